#include "compiler/hash/sha256.h"

// OpenSSL's SHA256_Init/Update/Final: deprecated in OpenSSL 3 in favour of EVP, but EVP
// initialises OpenSSL's providers and configuration on first use, which cost about 4 ms and
// 160 page faults of every mlf process here, more than a whole no-op `mlf run` may take. The
// low-level functions run the same assembly (SHA extensions, AVX2) with no set-up.
#define OPENSSL_SUPPRESS_DEPRECATED
#include <openssl/sha.h>

namespace mlf {

std::string Digest::hex() const {
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out(64, '0');
  for (std::size_t i = 0; i < 32; ++i) {
    out[2 * i] = kHex[bytes[i] >> 4];
    out[2 * i + 1] = kHex[bytes[i] & 15];
  }
  return out;
}

bool Digest::from_hex(std::string_view text, Digest& out) {
  if (text.size() != 64) return false;
  auto nibble = [](char c) -> int {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    return -1;
  };
  for (std::size_t i = 0; i < 32; ++i) {
    int hi = nibble(text[2 * i]), lo = nibble(text[2 * i + 1]);
    if (hi < 0 || lo < 0) return false;
    out.bytes[i] = static_cast<std::uint8_t>(hi << 4 | lo);
  }
  return true;
}

Sha256::Sha256() : context_(new SHA256_CTX) { SHA256_Init(static_cast<SHA256_CTX*>(context_)); }

Sha256::~Sha256() { delete static_cast<SHA256_CTX*>(context_); }

void Sha256::update(const void* data, std::size_t size) {
  SHA256_Update(static_cast<SHA256_CTX*>(context_), data, size);
}

Digest Sha256::finish() {
  Digest digest;
  SHA256_Final(digest.bytes.data(), static_cast<SHA256_CTX*>(context_));
  return digest;
}

Digest Sha256::of(std::string_view bytes) {
  SHA256_CTX context;
  SHA256_Init(&context);
  SHA256_Update(&context, bytes.data(), bytes.size());
  Digest digest;
  SHA256_Final(digest.bytes.data(), &context);
  return digest;
}

}  // namespace mlf
