#include "runtime/fuse/fused_chain.h"

#include <algorithm>
#include <cstring>
#include <exception>
#include <mutex>
#include <optional>
#include <set>
#include <thread>

#include "runtime/data/augment_interpreter.h"
#include "runtime/fuse/sample_params.h"

namespace mlf::runtime {
namespace {

std::size_t row_bytes(const Tensor& t) {
  return static_cast<std::size_t>(t.sample_elements()) * dtype_size(t.dtype);
}

void copy_rows(const Tensor& from, Tensor& to, std::int64_t begin, std::int64_t end) {
  const std::size_t row = row_bytes(from);
  if (row == 0 || end <= begin) return;
  std::memcpy(to.bytes.data() + static_cast<std::size_t>(begin) * row,
              from.bytes.data() + static_cast<std::size_t>(begin) * row,
              static_cast<std::size_t>(end - begin) * row);
}

// Says each distinct line once per process.
void say_once(const std::function<void(const std::string&)>& say, const std::string& line) {
  static std::mutex mutex;
  static std::set<std::string> said;
  {
    std::lock_guard<std::mutex> hold(mutex);
    if (!said.insert(line).second) return;
  }
  if (say) say(line);
}

}  // namespace

DataResult<std::shared_ptr<const FusedChain>> compile_fused(const std::vector<PlanStep>& chain,
                                                            const Dataset& in, ObjectStore* store) {
  auto compiled = compile_chain(chain, in);
  if (!ok(compiled)) return error(compiled);
  Lowering lowering = lower_chain(value(compiled));
  if (!lowering.program) return DataError{lowering.declined};
  auto kernel = get_kernel(*lowering.program, store);
  if (!ok(kernel)) return error(kernel);
  auto fused = std::make_shared<FusedChain>();
  fused->steps = chain;
  fused->chain = std::move(value(compiled));
  fused->program = std::move(*lowering.program);
  fused->kernel = value(kernel);
  return std::shared_ptr<const FusedChain>(std::move(fused));
}

void run_fused_range(const FusedChain& fused, const Dataset& in, int epoch, std::int64_t begin,
                     std::int64_t end, Dataset& out) {
  const LoopProgram& p = fused.program;
  std::vector<float> floats(static_cast<std::size_t>(std::max(p.float_slots, 1)));
  std::vector<std::int64_t> ints(static_cast<std::size_t>(std::max(p.int_slots, 1)));
  std::vector<float> noise(static_cast<std::size_t>(std::max<std::int64_t>(p.noise_elements, 1)));
  // Scratch as floats keeps it aligned for every element type the segments store.
  std::vector<double> scratch(static_cast<std::size_t>(p.scratch_bytes / 8 + 1));
  const std::size_t in_row = row_bytes(in.x), out_row = row_bytes(out.x);
  const auto e = static_cast<std::uint32_t>(epoch);
  // A mixup makes soft rows of the partners' labels (sample_params.h), drawn with the params.
  const bool mixes = fused.chain.out_label == LabelForm::Soft && has_mixup(fused.chain);
  const auto classes = static_cast<std::size_t>(fused.chain.classes);
  std::vector<float> label_work;
  SampleDrawBatch draws(p, fused.chain);
  for (std::int64_t i = begin; i < end; ++i) {
    if (!draws.holds(e, static_cast<std::uint64_t>(i))) draws.compute(e, static_cast<std::uint64_t>(i));
    fill_sample_params(p, fused.chain, e, static_cast<std::uint64_t>(i),
                       static_cast<std::uint64_t>(in.size()), floats.data(), ints.data(),
                       noise.data(), &draws);
    if (mixes)
      mixed_soft_label(p, fused.chain, in, static_cast<std::uint64_t>(i), floats.data(),
                       ints.data(), label_work,
                       reinterpret_cast<float*>(out.y_values.bytes.data()) +
                           static_cast<std::size_t>(i) * classes);
    fused.kernel.fn(in.x.bytes.data() + static_cast<std::size_t>(i) * in_row,
                    out.x.bytes.data() + static_cast<std::size_t>(i) * out_row, floats.data(),
                    ints.data(), noise.data(), reinterpret_cast<std::uint8_t*>(scratch.data()));
  }
  switch (fused.chain.out_label) {
    case LabelForm::Class:
      std::copy(in.y.begin() + begin, in.y.begin() + end, out.y.begin() + begin);
      break;
    case LabelForm::Soft:
      if (mixes) break;  // written above
      [[fallthrough]];
    case LabelForm::Target: copy_rows(in.y_values, out.y_values, begin, end); break;
    case LabelForm::None: break;
  }
}

bool output_fits(const FusedChain& fused, const Dataset& in, const Dataset& out) {
  const CompiledChain& c = fused.chain;
  const std::int64_t n = in.size();
  std::vector<std::int64_t> shape = {n};
  shape.insert(shape.end(), c.out_dims.begin(), c.out_dims.end());
  if (out.x.dtype != c.out_dtype || out.x.shape != shape ||
      out.x.bytes.size() != static_cast<std::size_t>(out.x.elements()) * dtype_size(c.out_dtype))
    return false;
  const bool no_values = out.y_values.bytes.empty() && out.y_values.shape.empty();
  switch (c.out_label) {
    case LabelForm::Class: return out.y.size() == static_cast<std::size_t>(n) && no_values;
    case LabelForm::Soft:
      return out.y.empty() && out.y_values.dtype == DType::F32 &&
             out.y_values.shape == std::vector<std::int64_t>{n, c.classes} &&
             out.y_values.bytes.size() == static_cast<std::size_t>(n * c.classes) * sizeof(float);
    case LabelForm::Target:
      return out.y.empty() && out.y_values.dtype == in.y_values.dtype &&
             out.y_values.shape == in.y_values.shape &&
             out.y_values.bytes.size() == in.y_values.bytes.size();
    case LabelForm::None: return out.y.empty() && no_values;
  }
  return false;
}

std::optional<DataError> run_fused_into(const FusedChain& fused, const Dataset& in, int epoch,
                                        int threads, Dataset& out) {
  if (epoch < 0) return DataError{"augment chains need an epoch of 0 or more"};
  if (output_fits(fused, in, out)) {
    // Every byte of x and of the labels is written below: no need to clear them.
    out.classes = in.classes;
    out.source_index = in.source_index;
  } else {
    auto prepared = prepare_output(fused.steps, in);
    if (!ok(prepared)) return error(prepared);
    out = std::move(value(prepared));
  }
  const std::int64_t n = in.size();
  const std::int64_t parts = std::clamp<std::int64_t>(threads, 1, std::max<std::int64_t>(n, 1));
  if (parts == 1) {
    run_fused_range(fused, in, epoch, 0, n, out);
    return std::nullopt;
  }
  std::vector<std::thread> workers;
  std::vector<std::exception_ptr> failures(static_cast<std::size_t>(parts));
  const std::int64_t chunk = (n + parts - 1) / parts;
  for (std::int64_t part = 0; part < parts; ++part) {
    const std::int64_t begin = std::min(n, part * chunk), end = std::min(n, begin + chunk);
    workers.emplace_back([&, part, begin, end]() {
      try {
        run_fused_range(fused, in, epoch, begin, end, out);
      } catch (...) {
        failures[static_cast<std::size_t>(part)] = std::current_exception();
      }
    });
  }
  for (std::thread& worker : workers) worker.join();
  for (const std::exception_ptr& failure : failures)
    if (failure) std::rethrow_exception(failure);
  return std::nullopt;
}

DataResult<Dataset> run_fused(const FusedChain& fused, const Dataset& in, int epoch, int threads) {
  Dataset out;
  if (auto failed = run_fused_into(fused, in, epoch, threads, out)) return *failed;
  return out;
}

std::optional<DataError> run_chain_fused_into(const std::vector<PlanStep>& chain,
                                              const Dataset& in, int epoch, int threads,
                                              ObjectStore* store,
                                              const std::function<void(const std::string&)>& say,
                                              Dataset& out) {
  auto fused = compile_fused(chain, in, store);
  if (!ok(fused)) {
    // The interpreter reports errors of the chain itself with its own words.
    auto checked = compile_chain(chain, in);
    if (ok(checked))
      say_once(say, "note: augment chain runs in the reference interpreter: " + error(fused).message);
    auto interpreted = run_chain(chain, in, epoch, threads);
    if (!ok(interpreted)) return error(interpreted);
    out = std::move(value(interpreted));
    return std::nullopt;
  }
  const LoadedKernel& kernel = value(fused)->kernel;
  if (!kernel.refused.empty()) say_once(say, "warning: " + kernel.refused + "; compiled the kernel again");
  if (!kernel.not_cached.empty())
    say_once(say, "note: fused kernels are compiled but not cached: " + kernel.not_cached);
  return run_fused_into(*value(fused), in, epoch, threads, out);
}

DataResult<Dataset> run_chain_fused(const std::vector<PlanStep>& chain, const Dataset& in,
                                    int epoch, int threads, ObjectStore* store,
                                    const std::function<void(const std::string&)>& say) {
  Dataset out;
  if (auto failed = run_chain_fused_into(chain, in, epoch, threads, store, say, out)) return *failed;
  return out;
}

}  // namespace mlf::runtime
