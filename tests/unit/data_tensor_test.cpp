// Tensors and datasets: sizes, canonical digests, and the store serialisation (round trip,
// and rejection of truncated or inconsistent bytes).

#include "runtime/data/tensor.h"

#include <gtest/gtest.h>

#include <cstring>

namespace mlf::runtime {
namespace {

Dataset small_dataset() {
  Dataset d;
  d.x = Tensor::zeros(DType::U8, {3, 1, 2, 2});
  for (std::size_t i = 0; i < d.x.bytes.size(); ++i) d.x.bytes[i] = static_cast<std::uint8_t>(i * 7);
  d.y = {0, 2, 1};
  d.classes = 3;
  d.source_index = {5, 6, 9};
  return d;
}

TEST(DataTensor, SizesAndZeros) {
  Tensor t = Tensor::zeros(DType::F32, {4, 3, 2});
  EXPECT_EQ(t.elements(), 24);
  EXPECT_EQ(t.sample_elements(), 6);
  EXPECT_EQ(t.bytes.size(), 96u);
  EXPECT_EQ(small_dataset().size(), 3);
  EXPECT_EQ(Dataset{}.size(), 0);
}

TEST(DataTensor, CanonicalDigestCoversTypeShapeAndBytes) {
  Tensor a = Tensor::zeros(DType::U8, {2, 3});
  Tensor b = Tensor::zeros(DType::U8, {3, 2});
  Tensor c = Tensor::zeros(DType::I8, {2, 3});
  EXPECT_NE(canonical_digest(a), canonical_digest(b));
  EXPECT_NE(canonical_digest(a), canonical_digest(c));
  Tensor a2 = a;
  EXPECT_EQ(canonical_digest(a), canonical_digest(a2));
  a2.bytes[4] = 1;
  EXPECT_NE(canonical_digest(a), canonical_digest(a2));
}

TEST(DataTensor, SerialiseRoundTrip) {
  Dataset d = small_dataset();
  std::string bytes = serialize(d);
  Dataset back;
  std::string error;
  ASSERT_TRUE(deserialize(bytes, back, error)) << error;
  EXPECT_EQ(back.x.dtype, d.x.dtype);
  EXPECT_EQ(back.x.shape, d.x.shape);
  EXPECT_EQ(back.x.bytes, d.x.bytes);
  EXPECT_EQ(back.y, d.y);
  EXPECT_EQ(back.classes, 3);
  EXPECT_EQ(back.source_index, d.source_index);
  EXPECT_TRUE(back.y_values.shape.empty());
  EXPECT_EQ(serialize(back), bytes);

  // Soft labels survive too.
  Dataset soft = d;
  soft.y.clear();
  soft.y_values = Tensor::zeros(DType::F32, {3, 3});
  soft.y_values.data<float>()[4] = 0.25f;
  ASSERT_TRUE(deserialize(serialize(soft), back, error)) << error;
  EXPECT_TRUE(back.y.empty());
  EXPECT_EQ(back.y_values.shape, (std::vector<std::int64_t>{3, 3}));
  EXPECT_EQ(back.y_values.data<float>()[4], 0.25f);
}

TEST(DataTensor, RejectsEveryTruncation) {
  std::string bytes = serialize(small_dataset());
  for (std::size_t n = 0; n < bytes.size(); ++n) {
    Dataset out;
    std::string error;
    EXPECT_FALSE(deserialize(std::string_view(bytes).substr(0, n), out, error)) << n;
    EXPECT_FALSE(error.empty());
  }
}

TEST(DataTensor, RejectsLiesAndTrailingBytes) {
  std::string bytes = serialize(small_dataset());
  Dataset out;
  std::string error;
  EXPECT_FALSE(deserialize(bytes + "x", out, error));
  std::string bad_magic = bytes;
  bad_magic[0] = 'X';
  EXPECT_FALSE(deserialize(bad_magic, out, error));
  // A huge first dimension must be refused before anything is allocated.
  std::string huge = bytes;
  const std::size_t first_dim = 8 + 1 + 8;
  for (int i = 0; i < 8; ++i) huge[first_dim + static_cast<std::size_t>(i)] = '\x7f';
  EXPECT_FALSE(deserialize(huge, out, error));
  // A label out of range.
  Dataset d = small_dataset();
  d.y[1] = 7;
  EXPECT_FALSE(deserialize(serialize(d), out, error));
  EXPECT_NE(error.find("label"), std::string::npos);
}

}  // namespace
}  // namespace mlf::runtime
