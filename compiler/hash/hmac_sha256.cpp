#include "compiler/hash/hmac_sha256.h"

#include <openssl/crypto.h>

#include <array>
#include <cstdint>

namespace mlf {

Digest hmac_sha256(std::string_view key, std::string_view message) {
  constexpr std::size_t kBlock = 64;
  std::array<std::uint8_t, kBlock> block{};
  if (key.size() > kBlock) {
    const Digest hashed = Sha256::of(key);
    std::copy(hashed.bytes.begin(), hashed.bytes.end(), block.begin());
  } else {
    std::copy(key.begin(), key.end(), block.begin());
  }
  std::array<std::uint8_t, kBlock> pad{};
  for (std::size_t i = 0; i < kBlock; ++i) pad[i] = block[i] ^ 0x36;
  Sha256 inner;
  inner.update(pad.data(), pad.size());
  inner.update(message);
  const Digest inner_digest = inner.finish();
  for (std::size_t i = 0; i < kBlock; ++i) pad[i] = block[i] ^ 0x5c;
  Sha256 outer;
  outer.update(pad.data(), pad.size());
  outer.update(inner_digest.bytes.data(), inner_digest.bytes.size());
  OPENSSL_cleanse(block.data(), block.size());
  OPENSSL_cleanse(pad.data(), pad.size());
  return outer.finish();
}

bool same_digest(const Digest& a, const Digest& b) {
  return CRYPTO_memcmp(a.bytes.data(), b.bytes.data(), a.bytes.size()) == 0;
}

}  // namespace mlf
