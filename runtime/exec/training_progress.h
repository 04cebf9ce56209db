// What a training stage reports while it runs: epoch, batch, loss, samples/s and the time
// left, as one line of text.
//
// Takes: the backend's Progress reports (runtime/backend/training_backend.h), one after every
// batch, and the time since the stage's training began.
// Promises: the estimate covers the whole stage — the batches left in this epoch and in every
// later epoch — at the rate measured so far over the stage (data preparation of the epochs
// included), so it settles as the stage goes on; no estimate before the first batch.
// Does not: print, or decide how often to (the executor does).
#pragma once

#include <optional>
#include <string>

#include "runtime/backend/training_backend.h"

namespace mlf::runtime {

// Seconds left in the stage after `p`, `elapsed` seconds into it; nullopt before any batch.
std::optional<double> remaining_seconds(const Progress& p, double elapsed);

// "12s", "3m05s", "1h02m".
std::string duration_text(double seconds);

// "fit: epoch 2/10  batch 50/120  loss 0.4312  1520 samples/s  ETA 1m12s"
std::string progress_text(const std::string& stage, const Progress& p, double elapsed);

}  // namespace mlf::runtime
