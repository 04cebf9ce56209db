#include "runtime/data/augment_steps.h"

#include <cmath>
#include <cstring>
#include <limits>
#include <map>

namespace mlf::runtime {
namespace {

struct OpInfo {
  AugmentKind kind;
  bool random;
};

const std::map<std::string, OpInfo, std::less<>>& known_ops() {
  static const std::map<std::string, OpInfo, std::less<>> ops = {
      {"to_float", {AugmentKind::ToFloat, false}},
      {"normalize", {AugmentKind::Normalize, false}},
      {"random_hflip", {AugmentKind::HFlip, true}},
      {"random_vflip", {AugmentKind::VFlip, true}},
      {"random_crop", {AugmentKind::Crop, true}},
      {"random_affine", {AugmentKind::Affine, true}},
      {"brightness", {AugmentKind::Brightness, true}},
      {"contrast", {AugmentKind::Contrast, true}},
      {"gaussian_noise", {AugmentKind::Noise, true}},
      {"cutout", {AugmentKind::Cutout, true}},
      {"clamp", {AugmentKind::Clamp, false}},
      {"mixup", {AugmentKind::Mixup, true}},
  };
  return ops;
}

std::optional<double> number(const PlanValue* v) {
  if (!v) return std::nullopt;
  if (v->kind == PlanValue::Kind::Float) return v->real;
  if (v->kind == PlanValue::Kind::Int) return static_cast<double>(v->integer);
  return std::nullopt;
}

// Reads arguments of one step, remembering the first problem.
class Args {
 public:
  Args(const PlanOp& op, std::string where) : op_(op), where_(std::move(where)) {}

  float real(const char* name, double fallback) { return static_cast<float>(real_double(name, fallback)); }
  double real_double(const char* name, double fallback) {
    const PlanValue* v = op_.arg(name);
    if (!v) return fallback;
    if (auto n = number(v)) return *n;
    fail(std::string("`") + name + "` is not a number");
    return fallback;
  }
  float required_real(const char* name) {
    if (!op_.arg(name)) fail(std::string("`") + name + "` is missing");
    return real(name, 0.0);
  }
  std::int64_t integer(const char* name, std::int64_t fallback) {
    const PlanValue* v = op_.arg(name);
    if (!v) return fallback;
    if (v->kind == PlanValue::Kind::Int) return v->integer;
    fail(std::string("`") + name + "` is not an integer");
    return fallback;
  }
  // n or [height, width].
  void pair(const char* name, std::int64_t& h, std::int64_t& w) {
    const PlanValue* v = op_.arg(name);
    if (v && v->kind == PlanValue::Kind::Int) {
      h = w = v->integer;
    } else if (v && v->kind == PlanValue::Kind::List && v->items.size() == 2 &&
               v->items[0].kind == PlanValue::Kind::Int && v->items[1].kind == PlanValue::Kind::Int) {
      h = v->items[0].integer;
      w = v->items[1].integer;
    } else {
      fail(std::string("`") + name + "` is not n or [height, width]");
    }
  }
  // x or [x, ...].
  std::vector<float> list(const char* name) {
    const PlanValue* v = op_.arg(name);
    std::vector<float> out;
    if (auto n = number(v)) {
      out.push_back(static_cast<float>(*n));
    } else if (v && v->kind == PlanValue::Kind::List) {
      for (const PlanValue& item : v->items) {
        auto x = number(&item);
        if (!x) fail(std::string("`") + name + "` holds a non-number");
        out.push_back(static_cast<float>(x.value_or(0.0)));
      }
    }
    if (out.empty()) fail(std::string("`") + name + "` is missing or empty");
    return out;
  }
  // Absent, or [low, high].
  bool range(const char* name, float& low, float& high) {
    const PlanValue* v = op_.arg(name);
    if (!v) return false;
    if (v->kind == PlanValue::Kind::List && v->items.size() == 2 && number(&v->items[0]) &&
        number(&v->items[1])) {
      low = static_cast<float>(*number(&v->items[0]));
      high = static_cast<float>(*number(&v->items[1]));
      return true;
    }
    fail(std::string("`") + name + "` is not [low, high]");
    return false;
  }

  void fail(const std::string& message) {
    if (!error) error = where_ + ": " + message;
  }
  std::optional<std::string> error;

 private:
  const PlanOp& op_;
  std::string where_;
};

std::string dims_text(DType dtype, const std::vector<std::int64_t>& dims) {
  return TensorType{dtype, dims}.str();
}

}  // namespace

DataResult<CompiledChain> compile_chain(const std::vector<PlanStep>& chain, const Dataset& in) {
  CompiledChain out;
  out.in_dtype = in.x.dtype;
  if (!in.x.shape.empty()) out.in_dims.assign(in.x.shape.begin() + 1, in.x.shape.end());
  out.classes = in.classes;
  const std::int64_t n = in.size();
  const bool has_values = !in.y_values.shape.empty();
  const bool first_is_target = !chain.empty() && chain.front().in.y.kind == LabelType::Kind::Target;
  if (!in.y.empty()) {
    if (static_cast<std::int64_t>(in.y.size()) != n)
      return DataError{"the dataset has " + std::to_string(in.y.size()) + " labels for " +
                       std::to_string(n) + " samples"};
    out.in_label = LabelForm::Class;
  } else if (has_values) {
    if (in.y_values.shape[0] != n)
      return DataError{"the dataset has " + std::to_string(in.y_values.shape[0]) +
                       " label rows for " + std::to_string(n) + " samples"};
    bool soft_shape = in.y_values.dtype == DType::F32 && in.y_values.shape.size() == 2 &&
                      in.y_values.shape[1] == in.classes;
    out.in_label = soft_shape && !first_is_target ? LabelForm::Soft : LabelForm::Target;
    out.target_dtype = in.y_values.dtype;
    out.target_dims.assign(in.y_values.shape.begin() + 1, in.y_values.shape.end());
  }

  DType dtype = out.in_dtype;
  std::vector<std::int64_t> dims = out.in_dims;
  LabelForm label = out.in_label;
  for (std::size_t index = 0; index < chain.size(); ++index) {
    const PlanStep& plan_step = chain[index];
    const PlanOp& op = plan_step.op;
    const std::string where = "augment step " + std::to_string(index + 1) + " `" + op.name + "`";
    auto found = known_ops().find(op.name);
    if (found == known_ops().end())
      return DataError{where + " is not an augment op this runtime knows"};
    if (!op.version.empty() && op.version != "1.0.0")
      return DataError{where + " is at version " + op.version +
                       " but this runtime implements version 1.0.0"};
    AugmentStep step;
    step.kind = found->second.kind;
    step.name = op.name;
    if (found->second.random) {
      if (!plan_step.stream) return DataError{where + " is random but the plan gives it no stream"};
      step.stream.emplace(*plan_step.stream);
    }
    step.in_dtype = dtype;
    step.in_dims = dims;
    step.in_label = label;

    Args args(op, where);
    auto need_f32 = [&]() -> std::optional<std::string> {
      if (dtype == DType::F32) return std::nullopt;
      return where + " needs f32 samples, found " + dims_text(dtype, dims);
    };
    auto need_image = [&]() -> std::optional<std::string> {
      if (dims.size() == 3) return std::nullopt;
      return where + " expects [channels, height, width] samples, found " + dims_text(dtype, dims);
    };
    std::optional<std::string> problem;
    switch (step.kind) {
      case AugmentKind::ToFloat:
        step.scale = args.real("scale", 1.0);
        dtype = DType::F32;
        break;
      case AugmentKind::Normalize: {
        problem = need_f32();
        step.mean = args.list("mean");
        step.std = args.list("std");
        const std::int64_t channels = dims.empty() ? 1 : dims[0];
        for (const auto* values : {&step.mean, &step.std})
          if (!problem && values->size() != 1 && static_cast<std::int64_t>(values->size()) != channels)
            problem = where + " has " + std::to_string(values->size()) + " values for " +
                      std::to_string(channels) + " channels";
        break;
      }
      case AugmentKind::HFlip:
      case AugmentKind::VFlip:
        problem = need_image();
        step.p = args.real("p", 0.5);
        break;
      case AugmentKind::Crop:
        problem = need_image();
        args.pair("size", step.size_h, step.size_w);
        step.padding = args.integer("padding", 0);
        if (!problem && (step.padding < 0 || step.size_h < 1 || step.size_w < 1 ||
                         step.size_h > dims[1] + 2 * step.padding ||
                         step.size_w > dims[2] + 2 * step.padding))
          problem = where + " cannot cut " + std::to_string(step.size_h) + "×" +
                    std::to_string(step.size_w) + " out of " + dims_text(dtype, dims) +
                    " with padding " + std::to_string(step.padding);
        if (!problem) dims = {dims[0], step.size_h, step.size_w};
        break;
      case AugmentKind::Affine:
        problem = need_f32();
        if (!problem) problem = need_image();
        step.degrees = args.real("degrees", 0.0);
        step.translate = args.real("translate", 0.0);
        step.has_scale_range = args.range("scale", step.scale_low, step.scale_high);
        step.fill = args.real("fill", 0.0);
        break;
      case AugmentKind::Brightness:
        problem = need_f32();
        step.delta = args.required_real("delta");
        break;
      case AugmentKind::Contrast:
        problem = need_f32();
        step.factor = args.required_real("factor");
        break;
      case AugmentKind::Noise:
        problem = need_f32();
        step.noise_std = args.required_real("std");
        break;
      case AugmentKind::Cutout: {
        problem = need_image();
        step.size_h = step.size_w = args.integer("size", 0);
        step.p = args.real("p", 1.0);
        step.fill_double = args.real_double("fill", 0.0);
        step.fill = static_cast<float>(step.fill_double);
        if (!problem && step.size_h < 1) problem = where + " needs a size of at least 1";
        if (!problem && !is_float(dtype) && step.fill_double != std::floor(step.fill_double))
          problem = where + " needs a whole-number fill for " + dims_text(dtype, dims) + " samples";
        break;
      }
      case AugmentKind::Clamp:
        problem = need_f32();
        step.low = args.real("min", 0.0);
        step.high = args.real("max", 1.0);
        break;
      case AugmentKind::Mixup:
        problem = need_f32();
        step.alpha = args.required_real("alpha");
        if (!problem && label != LabelForm::Class && label != LabelForm::Soft)
          problem = where + " needs class or soft labels";
        if (!problem && !(step.alpha > 0.0f)) problem = where + " needs alpha above 0";
        if (!problem && n >= (std::int64_t{1} << 32))
          problem = where + ": datasets of 2^32 samples or more are not supported";
        label = LabelForm::Soft;
        break;
    }
    if (!problem && args.error) problem = args.error;
    if (problem) return DataError{*problem};
    if (!plan_step.out.x.dims.empty() &&
        (plan_step.out.x.dims != dims || plan_step.out.x.dtype != dtype))
      return DataError{where + " gives " + dims_text(dtype, dims) + " samples but the plan says " +
                       plan_step.out.x.str()};
    step.out_dtype = dtype;
    step.out_dims = dims;
    step.out_label = label;
    out.steps.push_back(std::move(step));
  }
  out.out_dtype = dtype;
  out.out_dims = dims;
  out.out_label = label;
  return out;
}

std::vector<std::uint8_t> fill_element(const AugmentStep& step, DType type) {
  std::vector<std::uint8_t> out(dtype_size(type));
  auto put = [&](auto value) { std::memcpy(out.data(), &value, sizeof value); };
  switch (type) {
    case DType::U8: put(static_cast<std::uint8_t>(step.fill_double)); break;
    case DType::I8: put(static_cast<std::int8_t>(step.fill_double)); break;
    case DType::I16: put(static_cast<std::int16_t>(step.fill_double)); break;
    case DType::I32: put(static_cast<std::int32_t>(step.fill_double)); break;
    case DType::I64: put(static_cast<std::int64_t>(step.fill_double)); break;
    case DType::F32: put(step.fill); break;
    case DType::F64: put(step.fill_double); break;
  }
  return out;
}

}  // namespace mlf::runtime
