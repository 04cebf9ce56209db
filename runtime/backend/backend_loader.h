// Loads the training backend module (mlf_torch_backend.so) on first use.
//
// Promises: nothing is loaded until backend() is called, so a run whose stages are all
// cached never maps LibTorch; the module is looked up beside the running executable (or at
// MLF_TORCH_BACKEND when set); a missing or broken module is an error message, not a crash.
// Safe to call from several threads: the module is loaded once.
#pragma once

#include <string>

#include "runtime/backend/training_backend.h"

namespace mlf::runtime {

// nullptr with `error` set when the module cannot be loaded.
TrainingBackend* load_training_backend(std::string& error);
bool training_backend_loaded();

}  // namespace mlf::runtime
