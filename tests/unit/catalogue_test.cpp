// The catalogue as a whole: every op is complete and self-consistent, and the ops the
// language promises are there with the parameters it names.

#include "stdlib/catalogue.h"

#include <gtest/gtest.h>

#include <cctype>
#include <regex>
#include <set>

namespace mlf {
namespace {

bool in_range(const ParamSpec& spec, double x) {
  if (spec.min && (spec.min_exclusive ? x <= *spec.min : x < *spec.min)) return false;
  if (spec.max && (spec.max_exclusive ? x >= *spec.max : x > *spec.max)) return false;
  return true;
}

// Whether `value` is a well-typed, in-range value of `spec`, as the checker requires of
// an argument.
bool fits(const ParamSpec& spec, const Value& value) {
  auto numbers_fit = [&](const std::vector<Value>& items, bool integral) {
    for (const Value& item : items) {
      if (integral ? item.kind != Value::Kind::Int : !item.is_number()) return false;
      if (!in_range(spec, item.as_real())) return false;
    }
    return true;
  };
  switch (spec.type) {
    case ParamType::Int: return numbers_fit({value}, true);
    case ParamType::Float: return numbers_fit({value}, false);
    case ParamType::Bool: return value.kind == Value::Kind::Bool;
    case ParamType::String: return value.kind == Value::Kind::String;
    case ParamType::Path: return value.kind == Value::Kind::Path;
    case ParamType::Enum:
      return value.kind == Value::Kind::String &&
             std::count(spec.choices.begin(), spec.choices.end(), value.text) == 1;
    case ParamType::IntPair:
      if (value.kind == Value::Kind::List)
        return value.items.size() == 2 && numbers_fit(value.items, true);
      return numbers_fit({value}, true);
    case ParamType::FloatList:
      if (value.kind == Value::Kind::List)
        return !value.items.empty() && numbers_fit(value.items, false);
      return numbers_fit({value}, false);
    case ParamType::FloatRange:
      return value.kind == Value::Kind::List && value.items.size() == 2 &&
             numbers_fit(value.items, false);
    default: return false;  // graph-valued parameters never have defaults
  }
}

TEST(CatalogueStructure, EveryOpHasAOneLineLowerCaseSummary) {
  for (const auto& [name, op] : catalogue().ops()) {
    SCOPED_TRACE(name);
    EXPECT_EQ(op.name, name);
    ASSERT_FALSE(op.summary.empty());
    EXPECT_EQ(op.summary.find('\n'), std::string::npos);
    EXPECT_FALSE(std::isupper(static_cast<unsigned char>(op.summary[0])));
    EXPECT_NE(op.summary.back(), '.');
  }
}

TEST(CatalogueStructure, EveryVersionIsSemver) {
  std::regex semver(R"((0|[1-9]\d*)\.(0|[1-9]\d*)\.(0|[1-9]\d*))");
  for (const auto& [name, op] : catalogue().ops())
    EXPECT_TRUE(std::regex_match(op.version, semver)) << name << ": " << op.version;
}

TEST(CatalogueStructure, ParamsAreDocumentedUniqueAndAtMostOnePositional) {
  for (const auto& [name, op] : catalogue().ops()) {
    std::set<std::string> seen;
    int positional = 0;
    for (const ParamSpec& p : op.params) {
      SCOPED_TRACE(name + "." + p.name);
      EXPECT_FALSE(p.name.empty());
      EXPECT_FALSE(p.doc.empty());
      EXPECT_NE(p.doc.back(), '.');
      EXPECT_TRUE(seen.insert(p.name).second) << "duplicate parameter";
      positional += p.positional;
      EXPECT_FALSE(p.optional && p.default_value) << "optional and defaulted";
      EXPECT_EQ(p.type == ParamType::Enum, !p.choices.empty());
    }
    EXPECT_LE(positional, 1) << name;
  }
}

TEST(CatalogueStructure, DefaultsSatisfyTheirOwnTypesRangesAndChoices) {
  for (const auto& [name, op] : catalogue().ops())
    for (const ParamSpec& p : op.params)
      if (p.default_value) {
        EXPECT_TRUE(fits(p, *p.default_value)) << name << "." << p.name;
      }
}

// An int the checker accepts is one the runtime holds: every int parameter has both bounds,
// and none reaches past 2^31 - 1 (epochs and batch sizes are `int` in the backend).
TEST(CatalogueStructure, EveryIntParameterHasARangeWithinInt32) {
  for (const auto& [name, op] : catalogue().ops())
    for (const ParamSpec& p : op.params) {
      if (p.type != ParamType::Int && p.type != ParamType::IntPair) continue;
      ASSERT_TRUE(p.min.has_value()) << name << "." << p.name << " has no lower bound";
      ASSERT_TRUE(p.max.has_value()) << name << "." << p.name << " has no upper bound";
      EXPECT_GE(*p.min, -2147483648.0) << name << "." << p.name;
      EXPECT_LE(*p.max, 2147483647.0) << name << "." << p.name;
      EXPECT_LT(*p.min, *p.max) << name << "." << p.name;
    }
}

TEST(CatalogueStructure, EveryKindHasItsRule) {
  for (const auto& [name, op] : catalogue().ops()) {
    SCOPED_TRACE(name);
    EXPECT_EQ(bool(op.reader_rule), op.kind == OpKind::Reader);
    EXPECT_EQ(bool(op.dataset_rule), op.kind == OpKind::DatasetOp);
    EXPECT_EQ(bool(op.augment_rule), op.kind == OpKind::Augment);
    EXPECT_EQ(bool(op.layer_rule), op.kind == OpKind::Layer);
    EXPECT_EQ(bool(op.loss_rule), op.kind == OpKind::Loss);
    EXPECT_EQ(op.metric_field.has_value(), op.kind == OpKind::Metric);
    if (op.metric_field) {
      EXPECT_EQ(op.metric_field->name, name);
    }
    if (op.kind == OpKind::Block) {
      EXPECT_TRUE(op.params.empty());
    }
  }
}

TEST(CatalogueStructure, TheLanguagesOpsAreThere) {
  const Catalogue& c = catalogue();
  using Names = std::vector<std::string>;
  EXPECT_EQ(c.names_of(OpKind::Reader), (Names{"csv", "idx", "image_folder", "npy"}));
  EXPECT_EQ(c.names_of(OpKind::DatasetOp), (Names{"concat", "shuffle", "split", "take"}));
  EXPECT_EQ(
      c.names_of(OpKind::Augment),
      (Names{"brightness", "clamp", "contrast", "cutout", "gaussian_noise", "mixup", "normalize",
             "random_affine", "random_crop", "random_hflip", "random_vflip", "to_float"}));
  EXPECT_EQ(c.names_of(OpKind::Layer),
            (Names{"avg_pool", "batch_norm", "conv2d", "dropout", "flatten", "gelu", "linear",
                   "max_pool", "relu", "sigmoid", "tanh"}));
  EXPECT_EQ(c.names_of(OpKind::Block), (Names{"residual", "sequential"}));
  EXPECT_EQ(c.names_of(OpKind::Loss), (Names{"cross_entropy", "mse"}));
  EXPECT_EQ(c.names_of(OpKind::Optimizer), (Names{"adam", "adamw", "sgd"}));
  EXPECT_EQ(c.names_of(OpKind::Schedule), (Names{"cosine", "step"}));
  EXPECT_EQ(c.names_of(OpKind::Metric), (Names{"accuracy", "confusion", "loss", "macro_f1"}));
  EXPECT_EQ(c.names_of(OpKind::Stage), (Names{"evaluate", "train"}));
}

TEST(CatalogueStructure, PositionalParamsAreTheOnesTheLanguageNames) {
  std::map<std::string, std::string> expected = {
      {"csv", "path"},        {"image_folder", "root"},
      {"split", "data"},      {"take", "data"},
      {"shuffle", "data"},    {"concat", "datasets"},
      {"linear", "out"},      {"max_pool", "kernel"},
      {"avg_pool", "kernel"}, {"dropout", "p"},
      {"sgd", "lr"},          {"adam", "lr"},
      {"adamw", "lr"},        {"train", "model"},
      {"evaluate", "model"},
  };
  for (const auto& [name, op] : catalogue().ops()) {
    const ParamSpec* p = op.positional_param();
    auto it = expected.find(name);
    if (it == expected.end()) {
      EXPECT_EQ(p, nullptr) << name;
    } else {
      ASSERT_NE(p, nullptr) << name;
      EXPECT_EQ(p->name, it->second) << name;
    }
  }
}

TEST(CatalogueStructure, RandomOpsAreMarked) {
  std::set<std::string> random = {"shuffle",       "random_hflip", "random_vflip", "random_crop",
                                  "random_affine", "brightness",   "contrast",     "gaussian_noise",
                                  "cutout",        "mixup",        "dropout",      "train"};
  for (const auto& [name, op] : catalogue().ops())
    EXPECT_EQ(op.random, random.count(name) == 1) << name;
}

TEST(CatalogueStructure, MetricFields) {
  auto field = [](const std::string& name) { return *catalogue().find(name)->metric_field; };
  EXPECT_TRUE(field("accuracy").scalar);
  EXPECT_EQ(field("accuracy").type, "float");
  EXPECT_TRUE(field("macro_f1").scalar);
  EXPECT_FALSE(field("confusion").scalar);
  EXPECT_EQ(field("confusion").type, "i64[K,K]");
  EXPECT_TRUE(field("loss").scalar);
}

TEST(CatalogueStructure, ParameterDetailsTheLanguageFixes) {
  const OpSpec& split = *catalogue().find("split");
  EXPECT_EQ(split.param("part")->choices, (std::vector<std::string>{"first", "second"}));
  EXPECT_EQ(split.param("by")->choices, (std::vector<std::string>{"index", "hash"}));
  EXPECT_TRUE(split.param("fraction")->min_exclusive);
  EXPECT_TRUE(split.param("fraction")->max_exclusive);
  EXPECT_TRUE(catalogue().find("dropout")->param("p")->max_exclusive);
  EXPECT_EQ(catalogue().find("adamw")->param("weight_decay")->default_value->real, 0.01);
  EXPECT_EQ(catalogue().find("adam")->param("weight_decay")->default_value->real, 0.0);
  EXPECT_TRUE(catalogue().find("max_pool")->param("stride")->optional);
  EXPECT_TRUE(catalogue().find("train")->param("schedule")->optional);
  EXPECT_FALSE(catalogue().find("train")->param("epochs")->default_value);
  EXPECT_EQ(catalogue().find("evaluate")->param("batch")->default_value->integer, 256);
}

}  // namespace
}  // namespace mlf
