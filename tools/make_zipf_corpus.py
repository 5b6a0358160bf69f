#!/usr/bin/env python3
"""Writes the synthetic large-vocabulary benchmark corpus: tokens drawn from a Zipf law.

Default (issue #6): 30 million tokens, Zipf exponent 1.0 over 5 million word types, 1,000 tokens per
line, seed 1; at min-count 1 about 3 million distinct words occur. Words are letter strings made from
a shuffled rank, so their spelling says nothing about their frequency.

    /usr/bin/python3 tools/make_zipf_corpus.py --output bench-out/zipf30m.txt
    /usr/bin/python3 tools/make_zipf_corpus.py --types 10000 --output bench-out/zipf-v10k.txt
"""
import argparse

import numpy as np


def word_names(n, rng):
    ids = rng.permutation(n).astype(np.int64)
    letters = np.frombuffer(b"abcdefghijklmnopqrstuvwxyz", dtype=np.uint8)
    names = []
    for i in ids:
        s = bytearray()
        i = int(i)
        while True:
            s.append(letters[i % 26])
            i //= 26
            if i == 0:
                break
        names.append(bytes(s))
    return names


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--tokens", type=int, default=30_000_000)
    p.add_argument("--types", type=int, default=5_000_000)
    p.add_argument("--exponent", type=float, default=1.0)
    p.add_argument("--line", type=int, default=1000)
    p.add_argument("--seed", type=int, default=1)
    p.add_argument("--output", required=True)
    a = p.parse_args()

    rng = np.random.default_rng(a.seed)
    weights = 1.0 / np.arange(1, a.types + 1, dtype=np.float64) ** a.exponent
    cdf = np.cumsum(weights)
    cdf /= cdf[-1]
    names = np.array(word_names(a.types, rng), dtype=object)
    with open(a.output, "wb") as out:
        done = 0
        while done < a.tokens:
            n = min(1_000_000, a.tokens - done)
            ranks = np.searchsorted(cdf, rng.random(n), side="right")
            ranks = np.minimum(ranks, a.types - 1)
            words = names[ranks]
            for start in range(0, n, a.line):
                out.write(b" ".join(words[start:start + a.line]) + b"\n")
            done += n
    print(f"wrote {a.tokens:,} tokens over {a.types:,} types to {a.output}")


if __name__ == "__main__":
    main()
