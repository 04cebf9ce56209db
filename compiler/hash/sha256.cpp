#include "compiler/hash/sha256.h"

#include <openssl/evp.h>
#include <openssl/opensslv.h>

#include <stdexcept>

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

namespace {

// The SHA-256 implementation, looked up once. OpenSSL 3 otherwise looks it up in its provider
// tables (under a lock) on every EVP_DigestInit_ex with EVP_sha256(), which cost more than
// hashing the few hundred bytes of a node; a compilation hashes thousands of them.
const EVP_MD* sha256_md() {
#if OPENSSL_VERSION_MAJOR >= 3
  static const EVP_MD* md = EVP_MD_fetch(nullptr, "SHA256", nullptr);
  return md != nullptr ? md : EVP_sha256();
#else
  return EVP_sha256();
#endif
}

}  // namespace

Sha256::Sha256() : context_(EVP_MD_CTX_new()) {
  if (!context_ || EVP_DigestInit_ex(static_cast<EVP_MD_CTX*>(context_), sha256_md(), nullptr) != 1)
    throw std::runtime_error("OpenSSL SHA-256 is unavailable");
}

Sha256::~Sha256() { EVP_MD_CTX_free(static_cast<EVP_MD_CTX*>(context_)); }

void Sha256::update(const void* data, std::size_t size) {
  EVP_DigestUpdate(static_cast<EVP_MD_CTX*>(context_), data, size);
}

Digest Sha256::finish() {
  Digest digest;
  unsigned int length = 0;
  EVP_DigestFinal_ex(static_cast<EVP_MD_CTX*>(context_), digest.bytes.data(), &length);
  return digest;
}

Digest Sha256::of(std::string_view bytes) {
  Digest digest;
  unsigned int length = 0;
  if (EVP_Digest(bytes.data(), bytes.size(), digest.bytes.data(), &length, sha256_md(), nullptr) !=
          1 ||
      length != digest.bytes.size())
    throw std::runtime_error("OpenSSL SHA-256 is unavailable");
  return digest;
}

}  // namespace mlf
