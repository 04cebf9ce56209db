// HMAC-SHA256 against the test cases of RFC 4231, and the constant-time comparison.

#include <gtest/gtest.h>

#include <string>

#include "compiler/hash/hmac_sha256.h"

namespace mlf {
namespace {

TEST(HmacSha256, Rfc4231Case1) {
  EXPECT_EQ(hmac_sha256(std::string(20, '\x0b'), "Hi There").hex(),
            "b0344c61d8db38535ca8afceaf0bf12b881dc200c9833da726e9376c2e32cff7");
}

TEST(HmacSha256, Rfc4231Case2ShortKey) {
  EXPECT_EQ(hmac_sha256("Jefe", "what do ya want for nothing?").hex(),
            "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843");
}

TEST(HmacSha256, Rfc4231Case6KeyLongerThanABlockIsHashed) {
  EXPECT_EQ(hmac_sha256(std::string(131, '\xaa'), "Test Using Larger Than Block-Size Key - Hash Key First").hex(),
            "60e431591ee0b67f0d8a26aacbf5b77f8e0bc6213728c5140546040f0ee37f54");
}

TEST(HmacSha256, SameDigestComparesEveryByte) {
  const Digest a = hmac_sha256("key", "message");
  Digest b = a;
  EXPECT_TRUE(same_digest(a, b));
  b.bytes[31] ^= 1;
  EXPECT_FALSE(same_digest(a, b));
  EXPECT_FALSE(same_digest(hmac_sha256("key", "message"), hmac_sha256("key2", "message")));
}

}  // namespace
}  // namespace mlf
