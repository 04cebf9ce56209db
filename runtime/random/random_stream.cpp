#include "runtime/random/strict_float.h"  // first: no contraction in this file

#include "runtime/random/random_stream.h"

#include <cmath>

#include "runtime/random/det_math.h"

namespace mlf::runtime {
namespace {

std::uint32_t le_u32(const std::uint8_t* bytes) {
  return static_cast<std::uint32_t>(bytes[0]) | static_cast<std::uint32_t>(bytes[1]) << 8 |
         static_cast<std::uint32_t>(bytes[2]) << 16 | static_cast<std::uint32_t>(bytes[3]) << 24;
}

constexpr float kTwoToMinus24 = 0x1p-24f;

}  // namespace

float uniform_from_word(std::uint32_t word) {
  return static_cast<float>(word >> 8) * kTwoToMinus24;
}

float uniform_open_from_word(std::uint32_t word) {
  return static_cast<float>((word >> 8) + 1u) * kTwoToMinus24;
}

std::uint64_t uniform_int_from_words(std::uint32_t high, std::uint32_t low, std::uint64_t bound) {
  std::uint64_t u = static_cast<std::uint64_t>(high) << 32 | low;
  return static_cast<std::uint64_t>((static_cast<unsigned __int128>(u) * bound) >> 64);
}

float normal_from_words(std::uint32_t first, std::uint32_t second) {
  float u1 = uniform_open_from_word(first);
  float u2 = uniform_from_word(second);
  float r = std::sqrt(-2.0f * det_log(u1));
  return r * det_sincos_turns(u2).cos;
}

RandomStream::RandomStream(const Digest& stream) {
  key_ = {le_u32(stream.bytes.data()), le_u32(stream.bytes.data() + 4)};
  tag_ = le_u32(stream.bytes.data() + 8);
}

PhiloxCounter RandomStream::counter(std::uint32_t epoch, std::uint64_t sample,
                                    std::uint32_t block) const {
  return {epoch, static_cast<std::uint32_t>(sample), block,
          tag_ ^ static_cast<std::uint32_t>(sample >> 32)};
}

PhiloxBlock RandomStream::block(std::uint32_t epoch, std::uint64_t sample,
                                std::uint32_t block) const {
  return philox4x32_10(counter(epoch, sample, block), key_);
}

std::uint32_t RandomStream::word(std::uint32_t epoch, std::uint64_t sample,
                                 std::uint64_t k) const {
  return block(epoch, sample, static_cast<std::uint32_t>(k >> 2))[k & 3];
}

float RandomStream::uniform(std::uint32_t epoch, std::uint64_t sample, std::uint64_t k) const {
  return uniform_from_word(word(epoch, sample, k));
}

float RandomStream::uniform_open(std::uint32_t epoch, std::uint64_t sample,
                                 std::uint64_t k) const {
  return uniform_open_from_word(word(epoch, sample, k));
}

std::uint64_t RandomStream::uniform_int(std::uint32_t epoch, std::uint64_t sample,
                                        std::uint64_t k, std::uint64_t bound) const {
  return uniform_int_from_words(word(epoch, sample, k), word(epoch, sample, k + 1), bound);
}

float RandomStream::normal(std::uint32_t epoch, std::uint64_t sample, std::uint64_t k) const {
  return normal_from_words(word(epoch, sample, k), word(epoch, sample, k + 1));
}

std::uint32_t SampleDraws::word(std::uint64_t k) {
  auto wanted = static_cast<std::uint32_t>(k >> 2);
  if (!cached_ || cached_block_ != wanted) {
    block_ = stream_->block(epoch_, sample_, wanted);
    cached_block_ = wanted;
    cached_ = true;
  }
  return block_[k & 3];
}

float SampleDraws::uniform(std::uint64_t k) { return uniform_from_word(word(k)); }

float SampleDraws::uniform_open(std::uint64_t k) { return uniform_open_from_word(word(k)); }

std::uint64_t SampleDraws::uniform_int(std::uint64_t k, std::uint64_t bound) {
  std::uint32_t high = word(k);
  return uniform_int_from_words(high, word(k + 1), bound);
}

float SampleDraws::normal(std::uint64_t k) {
  std::uint32_t first = word(k);
  return normal_from_words(first, word(k + 1));
}

float SampleDraws::uniform_range(std::uint64_t k, float lo, float hi) {
  float u = uniform(k);
  return lo + (hi - lo) * u;
}

}  // namespace mlf::runtime
