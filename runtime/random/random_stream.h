// Per-sample random numbers of one random op: a pure function of
// (stream digest, epoch, sample index, draw number), never of threads, batches or order.
//
// Takes: the 32-byte stream digest of a random augment step (PlanStep::stream) or the seed
// digest of a random node (PlanNode::seed).
// Promises, exactly (the fused kernel reproduces this bit for bit):
//   key      k0 = LE u32 of digest bytes 0..3,  k1 = LE u32 of bytes 4..7
//   tag      LE u32 of digest bytes 8..11
//   block b of (epoch e, sample i) = philox4x32_10(
//              counter (e, low32(i), b, tag XOR high32(i)), key (k0, k1))
//   word k of (e, i) = block floor(k/4), lane k mod 4        (k < 2^34)
//   uniform(e,i,k)      = (word k >> 8) · 2^-24              in [0, 1), exact in f32
//   uniform_open(e,i,k) = ((word k >> 8) + 1) · 2^-24        in (0, 1], exact in f32
//   uniform_int(e,i,k,n)= floor(u · n / 2^64) with u = (word k << 32) | word k+1 (two words;
//                         a 64x64->128 multiply, high half; bias below n / 2^64)
//   normal(e,i,k)       = Box–Muller, cosine branch, words k and k+1, all in f32:
//                           u1 = uniform_open(e,i,k); u2 = uniform(e,i,k+1)
//                           r  = sqrtf(-2 · det_log(u1))   (IEEE square root)
//                           z  = r · det_sincos_turns(u2).cos
// So draw k of (e, i) is the same whatever else was drawn, in whatever order, on whatever
// thread. Distinct streams differ in their key (64 bits) and tag (32 more bits).
// A op that is not applied per epoch (shuffle) uses epoch 0.
// Does not: hold mutable state (a RandomStream is immutable and shared freely between
// threads; SampleDraws caches one block and belongs to one thread).
#pragma once

#include <cstdint>

#include "compiler/hash/sha256.h"
#include "runtime/random/philox.h"

namespace mlf::runtime {

class RandomStream {
 public:
  explicit RandomStream(const Digest& stream);

  // The Philox counter of block `block` of (epoch, sample), as laid out above.
  PhiloxCounter counter(std::uint32_t epoch, std::uint64_t sample, std::uint32_t block) const;
  PhiloxBlock block(std::uint32_t epoch, std::uint64_t sample, std::uint32_t block) const;
  std::uint32_t word(std::uint32_t epoch, std::uint64_t sample, std::uint64_t k) const;

  float uniform(std::uint32_t epoch, std::uint64_t sample, std::uint64_t k) const;
  float uniform_open(std::uint32_t epoch, std::uint64_t sample, std::uint64_t k) const;
  std::uint64_t uniform_int(std::uint32_t epoch, std::uint64_t sample, std::uint64_t k,
                            std::uint64_t bound) const;
  float normal(std::uint32_t epoch, std::uint64_t sample, std::uint64_t k) const;

  const PhiloxKey& key() const { return key_; }
  std::uint32_t tag() const { return tag_; }

 private:
  PhiloxKey key_{};
  std::uint32_t tag_ = 0;
};

// The words of one (stream, epoch, sample), the last Philox block remembered so that
// consecutive words cost one block per four. Same values as the RandomStream calls.
class SampleDraws {
 public:
  SampleDraws(const RandomStream& stream, std::uint32_t epoch, std::uint64_t sample)
      : stream_(&stream), epoch_(epoch), sample_(sample) {}
  // With block 0 of (stream, epoch, sample) already computed (philox4x32_10_lanes).
  SampleDraws(const RandomStream& stream, std::uint32_t epoch, std::uint64_t sample,
              const PhiloxBlock& block0)
      : stream_(&stream), epoch_(epoch), sample_(sample), cached_(true), block_(block0) {}

  std::uint32_t word(std::uint64_t k);
  float uniform(std::uint64_t k);
  float uniform_open(std::uint64_t k);
  std::uint64_t uniform_int(std::uint64_t k, std::uint64_t bound);
  float normal(std::uint64_t k);
  // lo + (hi − lo)·uniform(k), three f32 operations in that order.
  float uniform_range(std::uint64_t k, float lo, float hi);

 private:
  const RandomStream* stream_;
  std::uint32_t epoch_;
  std::uint64_t sample_;
  std::uint32_t cached_block_ = 0;
  bool cached_ = false;
  PhiloxBlock block_{};
};

// The pure mappings from words to numbers, shared by both classes (and by tests).
float uniform_from_word(std::uint32_t word);
float uniform_open_from_word(std::uint32_t word);
std::uint64_t uniform_int_from_words(std::uint32_t high, std::uint32_t low, std::uint64_t bound);
float normal_from_words(std::uint32_t first, std::uint32_t second);

}  // namespace mlf::runtime
