"""Train gensim Word2Vec with word2vec-style settings and save word2vec binary (benchmark peer)."""
import argparse
import time

from gensim.models import Word2Vec
from gensim.models.word2vec import LineSentence

p = argparse.ArgumentParser()
p.add_argument("--input", required=True)
p.add_argument("--output", required=True)
p.add_argument("--model", choices=["skipgram", "cbow"], required=True)
p.add_argument("--loss", choices=["hs", "ns"], required=True)
p.add_argument("--dim", type=int, default=100)
p.add_argument("--window", type=int, default=5)
p.add_argument("--sample", type=float, default=1e-4)
p.add_argument("--min-count", type=int, default=5)
p.add_argument("--epochs", type=int, default=1)
p.add_argument("--threads", type=int, default=2)
p.add_argument("--negative", type=int, default=5)
p.add_argument("--alpha", type=float, default=0.025)
a = p.parse_args()

start = time.time()
model = Word2Vec(
    LineSentence(a.input), vector_size=a.dim, window=a.window, sample=a.sample, min_count=a.min_count,
    epochs=a.epochs, workers=a.threads, alpha=a.alpha, sg=1 if a.model == "skipgram" else 0,
    hs=1 if a.loss == "hs" else 0, negative=0 if a.loss == "hs" else a.negative)
model.wv.save_word2vec_format(a.output, binary=True)
print(f"gensim: trained and saved in {time.time() - start:.1f} s")
