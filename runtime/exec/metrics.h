// Evaluation metrics from per-sample predictions: accuracy, macro F1 (the mean over classes
// of F1, a class with no support and no prediction counting as 1), the confusion matrix
// (rows: true class, columns: predicted) and the mean loss.
#pragma once

#include <cstdint>
#include <vector>

namespace mlf::runtime {

double accuracy(const std::vector<std::int32_t>& labels, const std::vector<std::int32_t>& predicted);
double macro_f1(const std::vector<std::int32_t>& labels, const std::vector<std::int32_t>& predicted,
                std::int64_t classes);
std::vector<std::int64_t> confusion(const std::vector<std::int32_t>& labels,
                                    const std::vector<std::int32_t>& predicted, std::int64_t classes);
double mean(const std::vector<float>& values);

}  // namespace mlf::runtime
