#include "runtime/exec/metrics.h"

namespace mlf::runtime {

double accuracy(const std::vector<std::int32_t>& labels, const std::vector<std::int32_t>& predicted) {
  if (labels.empty()) return 0.0;
  std::int64_t right = 0;
  for (std::size_t i = 0; i < labels.size(); ++i) right += labels[i] == predicted[i];
  return static_cast<double>(right) / static_cast<double>(labels.size());
}

std::vector<std::int64_t> confusion(const std::vector<std::int32_t>& labels,
                                    const std::vector<std::int32_t>& predicted, std::int64_t classes) {
  std::vector<std::int64_t> matrix(static_cast<std::size_t>(classes * classes), 0);
  for (std::size_t i = 0; i < labels.size(); ++i)
    if (labels[i] >= 0 && labels[i] < classes && predicted[i] >= 0 && predicted[i] < classes)
      ++matrix[static_cast<std::size_t>(labels[i] * classes + predicted[i])];
  return matrix;
}

double macro_f1(const std::vector<std::int32_t>& labels, const std::vector<std::int32_t>& predicted,
                std::int64_t classes) {
  if (classes <= 0) return 0.0;
  auto matrix = confusion(labels, predicted, classes);
  double total = 0.0;
  for (std::int64_t k = 0; k < classes; ++k) {
    std::int64_t tp = matrix[k * classes + k], fp = 0, fn = 0;
    for (std::int64_t j = 0; j < classes; ++j) {
      if (j == k) continue;
      fp += matrix[j * classes + k];
      fn += matrix[k * classes + j];
    }
    double denominator = 2.0 * tp + fp + fn;
    total += denominator == 0 ? 1.0 : 2.0 * tp / denominator;
  }
  return total / static_cast<double>(classes);
}

double mean(const std::vector<float>& values) {
  if (values.empty()) return 0.0;
  double sum = 0.0;
  for (float v : values) sum += v;
  return sum / static_cast<double>(values.size());
}

}  // namespace mlf::runtime
