#include "runtime/exec/training_progress.h"

#include <cmath>
#include <cstdio>

namespace mlf::runtime {

std::optional<double> remaining_seconds(const Progress& p, double elapsed) {
  if (p.batches <= 0 || p.epochs <= 0 || elapsed < 0) return std::nullopt;
  const double total = static_cast<double>(p.epochs) * static_cast<double>(p.batches);
  const double done = static_cast<double>(p.epoch) * static_cast<double>(p.batches) +
                      static_cast<double>(p.batch);
  if (done <= 0) return std::nullopt;
  if (done >= total) return 0.0;
  return (total - done) * elapsed / done;
}

std::string duration_text(double seconds) {
  if (!std::isfinite(seconds) || seconds < 0) return "?";
  long long s = std::llround(seconds);
  char text[32];
  if (s < 60) std::snprintf(text, sizeof text, "%llds", s);
  else if (s < 3600) std::snprintf(text, sizeof text, "%lldm%02llds", s / 60, s % 60);
  else std::snprintf(text, sizeof text, "%lldh%02lldm", s / 3600, (s % 3600) / 60);
  return text;
}

std::string progress_text(const std::string& stage, const Progress& p, double elapsed) {
  char text[256];
  std::snprintf(text, sizeof text, "%s: epoch %d/%d  batch %lld/%lld  loss %.4f  %.0f samples/s",
                stage.c_str(), p.epoch + 1, p.epochs, static_cast<long long>(p.batch),
                static_cast<long long>(p.batches), p.loss, p.samples_per_second);
  std::string out = text;
  if (auto left = remaining_seconds(p, elapsed)) out += "  ETA " + duration_text(*left);
  return out;
}

}  // namespace mlf::runtime
