// SHA-256 over bytes, streaming (OpenSSL's SHA-256 underneath).
//
// Promises: the same digest as `sha256sum`; hex() is lower-case, 64 characters.
#pragma once

#include <array>
#include <cstdint>
#include <string>
#include <string_view>

namespace mlf {

struct Digest {
  std::array<std::uint8_t, 32> bytes{};
  std::string hex() const;
  std::string short_hex(std::size_t n = 12) const { return hex().substr(0, n); }
  static bool from_hex(std::string_view text, Digest& out);
  friend auto operator<=>(const Digest&, const Digest&) = default;
};

class Sha256 {
 public:
  Sha256();
  ~Sha256();
  Sha256(const Sha256&) = delete;
  Sha256& operator=(const Sha256&) = delete;

  void update(const void* data, std::size_t size);
  void update(std::string_view text) { update(text.data(), text.size()); }
  Digest finish();

  static Digest of(std::string_view bytes);

 private:
  void* context_;  // SHA256_CTX*, kept opaque so OpenSSL headers stay out of users
};

}  // namespace mlf
