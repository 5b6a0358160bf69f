#!/usr/bin/python3
"""Evaluate a word2vec-format vectors file with gensim, for comparison with `hsoftmax eval`.

Times gensim 4's KeyedVectors.evaluate_word_analogies(restrict_vocab=N, case_insensitive=True) on the
analogy sets and evaluate_word_pairs on the similarity sets, and prints per-section correct/seen counts,
Spearman and Pearson. With --json it prints the same JSON layout as `hsoftmax eval --json`; with
--compare FILE (the output of `hsoftmax eval --json`) it checks the two: counts must be equal and
correlations within 1e-6.

    /usr/bin/python3 tools/eval_vs_gensim.py VECTORS [--restrict 30000] [--analogy F]... [--similarity F]...
    hsoftmax eval VECTORS --json > ours.json; /usr/bin/python3 tools/eval_vs_gensim.py VECTORS --all --compare ours.json

Needs gensim (4.x), numpy and scipy; /usr/bin/python3 has them on the project machines.
"""
import argparse
import json
import logging
import os
import sys
import time

from gensim.models import KeyedVectors

HERE = os.path.dirname(os.path.abspath(__file__))
EVAL = os.path.join(HERE, '..', 'corpora', 'eval')


def is_binary(path):
    """word2vec binary files hold raw float bytes after the header; text files are printable."""
    import gzip
    opener = gzip.open if open(path, 'rb').read(2) == b'\x1f\x8b' else open
    with opener(path, 'rb') as f:
        f.readline()
        chunk = f.read(4096)
    try:
        chunk.decode('utf-8')
    except UnicodeDecodeError as e:
        if e.start < len(chunk) - 4:
            return True
    return any(b < 9 or 13 < b < 32 for b in chunk)


def bundled(kind, everything):
    folder = os.path.join(EVAL, kind)
    files = sorted(os.listdir(folder))
    if not everything:
        files = [f for f in files if f in ('questions-words.txt', 'EN-WS-353-ALL.txt')]
    return [os.path.join(folder, f) for f in files]


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument('vectors')
    p.add_argument('--binary', choices=['auto', 'yes', 'no'], default='auto')
    p.add_argument('--restrict', type=int, default=30000, help='analogies: restrict_vocab (default 30000)')
    p.add_argument('--similarity-restrict', type=int, default=300000, help='similarity: restrict_vocab (default 300000, gensim\'s)')
    p.add_argument('--analogy', action='append', default=[], help='analogy file (repeatable)')
    p.add_argument('--similarity', action='append', default=[], help='word-pair file (repeatable)')
    p.add_argument('--all', action='store_true', help='every bundled set (default: questions-words.txt and EN-WS-353-ALL.txt)')
    p.add_argument('--cosmul', action='store_true', help='3CosMul (most_similar_cosmul on the first N vectors) instead of 3CosAdd')
    p.add_argument('--unicode-errors', default='replace')
    p.add_argument('--json', action='store_true')
    p.add_argument('--compare', metavar='HSOFTMAX_JSON', help='compare with `hsoftmax eval --json` output')
    a = p.parse_args()
    logging.basicConfig(level=logging.WARNING)

    analogies = a.analogy or ([] if a.similarity else bundled('analogy', a.all))
    pairs = a.similarity or ([] if a.analogy else bundled('similarity', a.all))
    binary = is_binary(a.vectors) if a.binary == 'auto' else a.binary == 'yes'

    t = time.perf_counter()
    kv = KeyedVectors.load_word2vec_format(a.vectors, binary=binary, unicode_errors=a.unicode_errors)
    load_s = time.perf_counter() - t
    out = {'analogy': [], 'similarity': []}
    timings = []
    target = kv
    if a.cosmul:
        # most_similar_cosmul ignores restrict_vocab, so evaluate on a copy holding only the first N vectors.
        n = min(a.restrict, len(kv))
        target = KeyedVectors(kv.vector_size)
        target.add_vectors(kv.index_to_key[:n], kv.vectors[:n])
        target.most_similar = target.most_similar_cosmul
    for path in analogies:
        t = time.perf_counter()
        score, sections = target.evaluate_word_analogies(path, restrict_vocab=a.restrict, case_insensitive=True)
        timings.append((os.path.basename(path), time.perf_counter() - t))
        # gensim's sections lack the totals: count valid questions per section as it does.
        totals, current = [], None
        with open(path, 'rb') as f:
            for line in f:
                line = line.decode('utf-8')
                if line.startswith(': '):
                    totals.append(0)
                elif totals and len(line.split()) == 4:
                    totals[-1] += 1
        secs = [s for s in sections if s['section'] != 'Total accuracy']
        total = sections[-1]
        out['analogy'].append({
            'set': os.path.basename(path), 'method': '3cosmul' if a.cosmul else '3cosadd', 'restrict': a.restrict,
            'correct': len(total['correct']), 'seen': len(total['correct']) + len(total['incorrect']),
            'total': sum(totals), 'accuracy': score,
            'sections': [{'name': s['section'], 'correct': len(s['correct']),
                          'seen': len(s['correct']) + len(s['incorrect']), 'total': n} for s, n in zip(secs, totals)],
        })
    for path in pairs:
        t = time.perf_counter()
        pearson, spearman, oov = kv.evaluate_word_pairs(path, restrict_vocab=a.similarity_restrict, case_insensitive=True)
        timings.append((os.path.basename(path), time.perf_counter() - t))
        n = sum(1 for line in open(path, encoding='utf8') if line.strip() and not line.startswith('#') and len(line.split('\t')) == 3)
        found = n - round(oov * n / 100)
        out['similarity'].append({'set': os.path.basename(path), 'pairs': n, 'found': found,
                                  'spearman': float(spearman[0]), 'pearson': float(pearson[0])})

    if a.json:
        print(json.dumps(out, indent=2))
    else:
        print(f'{a.vectors}: {len(kv)} words x {kv.vector_size} dims, loaded by gensim in {load_s:.1f} s')
        for r in out['analogy']:
            print(f"analogy {r['set']} ({r['method']}, restrict {r['restrict']}): {r['correct']}/{r['seen']} "
                  f"of {r['total']} = {100 * r['accuracy']:.2f}%")
            for s in r['sections']:
                print(f"    {s['name']:32} {s['correct']:6}/{s['seen']:<6} of {s['total']}")
        for r in out['similarity']:
            print(f"similarity {r['set']}: {r['found']}/{r['pairs']} pairs, spearman {r['spearman']:.6f}, pearson {r['pearson']:.6f}")
        for name, s in timings:
            print(f'gensim time {name}: {s:.2f} s')
        print(f'gensim time total: {sum(s for _, s in timings):.2f} s')

    if a.compare:
        ours = json.load(open(a.compare))
        problems = 0
        mine = {r['set']: r for r in ours['analogy']}
        for r in out['analogy']:
            o = mine.get(r['set'])
            if o is None:
                print(f"compare: {r['set']} missing from {a.compare}"); problems += 1; continue
            for s, t in zip(r['sections'], o['sections']):
                if (s['name'], s['correct'], s['seen'], s['total']) != (t['name'], t['correct'], t['seen'], t['total']):
                    print(f"compare: {r['set']} {s['name']}: gensim {s['correct']}/{s['seen']} of {s['total']}, "
                          f"hsoftmax {t['correct']}/{t['seen']} of {t['total']}")
                    problems += 1
        mine = {r['set']: r for r in ours['similarity']}
        for r in out['similarity']:
            o = mine.get(r['set'])
            if o is None:
                print(f"compare: {r['set']} missing from {a.compare}"); problems += 1; continue
            for key in ('pairs', 'found'):
                if r[key] != o[key]:
                    print(f"compare: {r['set']} {key}: gensim {r[key]}, hsoftmax {o[key]}"); problems += 1
            for key in ('spearman', 'pearson'):
                if o[key] is None or abs(r[key] - o[key]) > 1e-6:
                    print(f"compare: {r['set']} {key}: gensim {r[key]:.9f}, hsoftmax {o[key]}"); problems += 1
        print('compare: identical counts, correlations within 1e-6' if problems == 0 else f'compare: {problems} difference(s)')
        return 1 if problems else 0
    return 0


if __name__ == '__main__':
    sys.exit(main())
