// HMAC-SHA256 (RFC 2104), on top of Sha256.
//
// Why not OpenSSL's HMAC(): in OpenSSL 3 it goes through EVP, whose first use initialises
// the providers and configuration (about 4 ms of every process, see sha256.cpp); a kernel
// loaded from the store checks one of these per kernel, on the path of a warm run.
// Promises: the RFC 4231 values; keys longer than the 64-byte block are hashed first, as the
// RFC says. same_digest() compares in time independent of where two digests differ.
#pragma once

#include <string_view>

#include "compiler/hash/sha256.h"

namespace mlf {

Digest hmac_sha256(std::string_view key, std::string_view message);

// Constant-time equality, for comparing a computed MAC with one read from a file.
bool same_digest(const Digest& a, const Digest& b);

}  // namespace mlf
