#include "runtime/exec/weights_codec.h"

#include <cstring>

namespace mlf::runtime {

namespace {

void put_u64(std::string& out, std::uint64_t v) {
  for (int i = 0; i < 8; ++i) out += static_cast<char>((v >> (8 * i)) & 0xff);
}

template <class T>
void put_array(std::string& out, const std::vector<T>& values) {
  put_u64(out, values.size());
  out.append(reinterpret_cast<const char*>(values.data()), values.size() * sizeof(T));
}

struct Reader {
  std::string_view bytes;
  std::size_t at = 0;
  bool failed = false;
  std::uint64_t u64() {
    if (bytes.size() - at < 8) {
      failed = true;
      return 0;
    }
    std::uint64_t v = 0;
    for (int i = 0; i < 8; ++i) v |= std::uint64_t(static_cast<unsigned char>(bytes[at + i])) << (8 * i);
    at += 8;
    return v;
  }
  template <class T>
  bool array(std::vector<T>& out) {
    std::uint64_t n = u64();
    if (failed || n > (bytes.size() - at) / sizeof(T)) return failed = true, false;
    out.resize(n);
    std::memcpy(out.data(), bytes.data() + at, n * sizeof(T));
    at += n * sizeof(T);
    return true;
  }
};

constexpr std::string_view kWeightsMagic = "mlf-weights/1\n";
constexpr std::string_view kPredictionsMagic = "mlf-predictions/1\n";

}  // namespace

std::string encode_weights(const std::vector<NamedTensor>& weights) {
  std::string out(kWeightsMagic);
  put_u64(out, weights.size());
  for (const auto& w : weights) {
    put_u64(out, w.name.size());
    out += w.name;
    put_array(out, w.shape);
    put_array(out, w.values);
  }
  return out;
}

bool decode_weights(std::string_view bytes, std::vector<NamedTensor>& out, std::string& error) {
  if (bytes.substr(0, kWeightsMagic.size()) != kWeightsMagic) {
    error = "not a weights object";
    return false;
  }
  Reader r{bytes, kWeightsMagic.size()};
  std::uint64_t n = r.u64();
  out.clear();
  for (std::uint64_t i = 0; i < n && !r.failed; ++i) {
    NamedTensor t;
    std::uint64_t length = r.u64();
    if (r.failed || length > bytes.size() - r.at) break;
    t.name = std::string(bytes.substr(r.at, length));
    r.at += length;
    if (!r.array(t.shape) || !r.array(t.values)) break;
    out.push_back(std::move(t));
  }
  if (r.failed || out.size() != n || r.at != bytes.size()) {
    error = "truncated or malformed weights object";
    return false;
  }
  return true;
}

std::string encode_predictions(const Predictions& p) {
  std::string out(kPredictionsMagic);
  put_array(out, p.labels);
  put_array(out, p.predicted);
  put_array(out, p.losses);
  put_array(out, p.logits.shape);
  put_array(out, p.logits.values);
  return out;
}

bool decode_predictions(std::string_view bytes, Predictions& p, std::string& error) {
  if (bytes.substr(0, kPredictionsMagic.size()) != kPredictionsMagic) {
    error = "not a predictions object";
    return false;
  }
  Reader r{bytes, kPredictionsMagic.size()};
  if (!r.array(p.labels) || !r.array(p.predicted) || !r.array(p.losses) ||
      !r.array(p.logits.shape) || !r.array(p.logits.values) || r.at != bytes.size()) {
    error = "truncated or malformed predictions object";
    return false;
  }
  return true;
}

}  // namespace mlf::runtime
