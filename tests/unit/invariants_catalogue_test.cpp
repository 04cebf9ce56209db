// Identity invariants over the whole op catalogue, end to end through the checker.
//
// For every op and every parameter of a scalar-like type (int, float, bool, string, enum, and
// the int-pair, float-list and float-range forms), a small pipeline that uses the op is
// compiled three ways: with the parameter left out (when it has a default), with its default
// written out, and with another valid value. The node that holds the op must hash the same the
// first two ways and differently the third; every node upstream of it must not change. The
// parameters that cannot be varied this way are listed, with the reason, in kSkipped.

#include <gtest/gtest.h>

#include <cmath>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "compiler/syntax/parse.h"
#include "stdlib/catalogue.h"
#include "tests/unit/pipeline_fixture.h"

namespace mlf {
namespace {

using fixture::Compiled;

// Parameters that are not varied here, with the reason. Keep it short: a parameter belongs
// here only when a changed value cannot be tested by changing the value alone.
struct Skip {
  const char* op;
  const char* param;
  const char* why;
};
const std::vector<Skip> kSkipped = {
    // A path's identity is its file's bytes, not its text (InvariantsHash checks a flipped
    // byte and a moved file); another path with the same bytes must hash the same.
    {"idx", "images", "a path: only the file's bytes count"},
    {"idx", "labels", "a path: only the file's bytes count"},
    {"csv", "path", "a path: only the file's bytes count"},
    {"npy", "x", "a path: only the file's bytes count"},
    {"npy", "y", "a path: only the file's bytes count"},
    {"image_folder", "root", "a path: only the files' bytes count"},
};

bool varied_type(ParamType type) {
  switch (type) {
    case ParamType::Int:
    case ParamType::Float:
    case ParamType::Bool:
    case ParamType::String:
    case ParamType::Path:  // must be in kSkipped
    case ParamType::Enum:
    case ParamType::IntPair:
    case ParamType::FloatList:
    case ParamType::FloatRange: return true;
    default: return false;  // datasets, models, losses, ...: structure, not a value
  }
}

// Source text of every required argument of each op used in a template (by parameter).
const std::map<std::string, std::map<std::string, std::string>> kRequired = {
    {"idx", {{"images", "\"g_images.idx\""}, {"labels", "\"g_labels.idx\""}}},
    {"csv", {{"path", "\"two.csv\""}, {"label", "\"c0\""}}},
    {"npy", {{"x", "\"x.npy\""}, {"y", "\"y.npy\""}}},
    {"split", {{"data", "src"}, {"fraction", "0.5"}}},
    {"take", {{"data", "src"}, {"n", "5"}}},
    {"shuffle", {{"data", "src"}}},
    {"concat", {{"datasets", "[src, src]"}}},
    {"normalize", {{"mean", "0.5"}, {"std", "0.25"}}},
    {"random_crop", {{"size", "4"}}},
    {"brightness", {{"delta", "0.1"}}},
    {"contrast", {{"factor", "0.2"}}},
    {"gaussian_noise", {{"std", "0.1"}}},
    {"cutout", {{"size", "2"}}},
    {"mixup", {{"alpha", "0.2"}}},
    {"linear", {{"out", "5"}}},
    {"conv2d", {{"out", "2"}, {"kernel", "3"}}},
    {"max_pool", {{"kernel", "2"}}},
    {"avg_pool", {{"kernel", "2"}}},
    {"sgd", {{"lr", "0.1"}}},
    {"step", {{"every", "1"}}},
    {"train",
     {{"model", "m"},
      {"data", "d"},
      {"loss", "cross_entropy"},
      {"optimizer", "sgd(lr: 0.1)"},
      {"epochs", "3"}}},
    {"evaluate", {{"model", "fit"}, {"data", "d"}, {"metrics", "[accuracy]"}}},
};

// Values for optional parameters without a default: the first is compared with the
// parameter left out, the second with the first.
const std::map<std::string, std::pair<std::string, std::string>> kOptionalValues = {
    {"npy.classes", {"3", "4"}},
    {"max_pool.stride", {"1", "2"}},
    {"avg_pool.stride", {"1", "2"}},
    {"random_affine.scale", {"[0.9, 1.1]", "[0.8, 1.25]"}},
};

// Where the generic choice of another value does not fit (no range to pick from, or a rule
// between arguments): the changed value, and required arguments that differ from kRequired.
struct Special {
  std::string changed;
  std::map<std::string, std::string> required;
};
const std::map<std::string, Special> kSpecial = {
    // two.csv has the numeric columns c0 and c1, both usable as labels.
    {"csv.label", {"\"c1\"", {}}},
    // one.csv has a single column, read the same with any delimiter; with or without a
    // header its label column is `c0` (its header names it so).
    {"csv.delimiter", {"\";\"", {{"path", "\"one.csv\""}}}},
    {"csv.header", {"false", {{"path", "\"one.csv\""}}}},
};

std::string literal(const Value& value) {
  switch (value.kind) {
    case Value::Kind::Int: return std::to_string(value.integer);
    case Value::Kind::Float: return canonical_float(value.real);
    case Value::Kind::Bool: return value.boolean ? "true" : "false";
    case Value::Kind::String: return "\"" + value.text + "\"";
    default: ADD_FAILURE() << "no literal for a " << value_kind_name(value.kind); return "?";
  }
}

bool in_range(const ParamSpec& spec, double v) {
  if (spec.min && (spec.min_exclusive ? v <= *spec.min : v < *spec.min)) return false;
  if (spec.max && (spec.max_exclusive ? v >= *spec.max : v > *spec.max)) return false;
  return true;
}

// Another valid value than `base` (source text) for the parameter, respecting its range and
// choices, or nullopt.
std::optional<std::string> other_value(const ParamSpec& spec, const std::string& base) {
  switch (spec.type) {
    case ParamType::Bool: return base == "true" ? "false" : "true";
    case ParamType::Enum:
      for (const auto& choice : spec.choices)
        if ("\"" + choice + "\"" != base) return "\"" + choice + "\"";
      return std::nullopt;
    case ParamType::Int:
    case ParamType::IntPair: {
      long long v = std::stoll(base);
      for (long long c : {v + 1, v - 1})
        if (in_range(spec, static_cast<double>(c))) return std::to_string(c);
      return std::nullopt;
    }
    case ParamType::Float:
    case ParamType::FloatList: {
      double v = std::stod(base);
      for (double c : {v * 2, v / 2, v + 0.5, v - 0.5, v + 0.25})
        if (c != v && std::isfinite(c) && in_range(spec, c)) return canonical_float(c);
      return std::nullopt;
    }
    default: return std::nullopt;
  }
}

// A pipeline that uses `call` (the op applied to its arguments) in the place its kind
// allows, and the kind of node that holds it.
struct Template {
  std::string text;
  NodeKind holder;
};

std::optional<Template> pipeline_using(const OpSpec& op, const std::string& call) {
  const std::string head =
      "seed 3\n"
      "dataset src = idx(images: \"g_images.idx\", labels: \"g_labels.idx\")\n";
  const std::string data = "dataset d = src |> [to_float()]\n";
  auto trained = [&](const std::string& layers, const std::string& loss,
                     const std::string& optimizer, const std::string& schedule) {
    return head + data + "model m = sequential [" + layers + "]\n" +
           "stage fit = train(m, data: d, loss: " + loss + ", optimizer: " + optimizer +
           (schedule.empty() ? "" : ", schedule: " + schedule) + ", epochs: 3)\n";
  };
  const std::string layers = "flatten, linear(out: 3)";
  switch (op.kind) {
    case OpKind::Reader: return Template{"dataset r = " + call + "\n", NodeKind::Read};
    case OpKind::DatasetOp: return Template{head + "dataset x = " + call + "\n", NodeKind::DatasetOp};
    case OpKind::Augment: {
      std::string chain = op.name == "to_float" ? call : "to_float(), " + call;
      return Template{head + "dataset x = src |> [" + chain + "]\n", NodeKind::Augment};
    }
    case OpKind::Layer:
    case OpKind::Block: {
      std::string model;
      if (op.name == "sequential") model = layers;  // the model's own block
      else if (op.name == "residual") model = call + " [relu, conv2d(out: 1, kernel: 1)], " + layers;
      else if (op.name == "linear") model = "flatten, " + call + ", linear(out: 3)";
      else model = call + ", " + layers;
      return Template{trained(model, "cross_entropy", "sgd(lr: 0.1)", ""), NodeKind::Train};
    }
    case OpKind::Loss:
      return Template{trained(layers, call, "sgd(lr: 0.1)", ""), NodeKind::Train};
    case OpKind::Optimizer:
      return Template{trained(layers, "cross_entropy", call, ""), NodeKind::Train};
    case OpKind::Schedule:
      return Template{trained(layers, "cross_entropy", "sgd(lr: 0.1)", call), NodeKind::Train};
    case OpKind::Metric:
      return Template{trained(layers, "cross_entropy", "sgd(lr: 0.1)", "") +
                          "stage score = evaluate(fit, data: d, metrics: [" + call + "])\n",
                      NodeKind::Evaluate};
    case OpKind::Stage:
      if (op.name == "train")
        return Template{head + data + "model m = sequential [" + layers + "]\nstage fit = " +
                            call + "\n",
                        NodeKind::Train};
      if (op.name == "evaluate")
        return Template{trained(layers, "cross_entropy", "sgd(lr: 0.1)", "") + "stage score = " +
                            call + "\n",
                        NodeKind::Evaluate};
      return std::nullopt;
  }
  return std::nullopt;
}

// `op(required..., [param: value])`, every argument by name. `required` gives the text of the
// op's required arguments other than `param`.
std::string call_text(const OpSpec& op, const std::map<std::string, std::string>& required,
                      const std::string& param, const std::optional<std::string>& value) {
  std::string args;
  for (const auto& spec : op.params) {
    std::string text;
    if (spec.name == param) {
      if (!value) continue;
      text = *value;
    } else if (auto it = required.find(spec.name); it != required.end()) {
      text = it->second;
    } else {
      continue;
    }
    args += (args.empty() ? "" : ", ") + spec.name + ": " + text;
  }
  if (op.kind == OpKind::Block) return op.name;  // `sequential [...]`: no arguments
  return op.name + "(" + args + ")";
}

class InvariantsCatalogue : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    dir_ = new fixture::TempDir("inv-catalogue");
    // 20 images [6, 6] of 3 classes: room for every window size and split fraction used.
    fixture::write_idx_u8(dir_->file("g_images.idx"), {20, 6, 6});
    fixture::write_idx_labels(dir_->file("g_labels.idx"), 20, 3);
    fixture::write_bytes(dir_->file("two.csv"), "c0,c1\n0,1\n1,2\n2,0\n1,1\n");
    fixture::write_bytes(dir_->file("one.csv"), "c0\n0\n1\n2\n");
    std::string x, y;
    for (int i = 0; i < 20 * 4; ++i) x += static_cast<char>(i);
    for (int i = 0; i < 20; ++i) {
      std::uint64_t label = static_cast<std::uint64_t>(i % 3);
      for (int b = 0; b < 8; ++b) y += static_cast<char>((label >> (8 * b)) & 0xff);
    }
    fixture::write_npy(dir_->file("x.npy"), "|u1", {20, 4}, x);
    fixture::write_npy(dir_->file("y.npy"), "<i8", {20}, y);
  }
  static void TearDownTestSuite() {
    delete dir_;
    dir_ = nullptr;
  }

  Compiled compile(const std::string& text) {
    return fixture::compile_text(text, dir_->file("catalogue.mlflow"));
  }

  static fixture::TempDir* dir_;
};

fixture::TempDir* InvariantsCatalogue::dir_ = nullptr;

// The node holding the op under test: the only node of the template's holder kind (for
// readers and dataset ops, the one whose call is the op).
const Node* holder_of(const Compiled& compiled, NodeKind kind, const std::string& op,
                      NodeId* id) {
  const Node* found = nullptr;
  for (std::size_t i = 0; i < compiled.graph.nodes.size(); ++i) {
    const Node& node = compiled.graph.nodes[i];
    if (node.kind != kind) continue;
    if ((kind == NodeKind::Read || kind == NodeKind::DatasetOp) &&
        (!node.call || node.call->op->name != op))
      continue;
    EXPECT_EQ(found, nullptr) << "two candidate nodes for " << op;
    found = &node;
    *id = static_cast<NodeId>(i);
  }
  return found;
}

struct Variant {
  std::string what;
  Compiled compiled;
  const Node* node = nullptr;
  NodeId id = kNoNode;
};

TEST_F(InvariantsCatalogue, SkipListIsSmallAndNamesRealPathParams) {
  EXPECT_LE(kSkipped.size(), 6u);
  std::set<std::string> seen;
  for (const auto& skip : kSkipped) {
    const OpSpec* op = catalogue().find(skip.op);
    ASSERT_NE(op, nullptr) << "skip list names the unknown op " << skip.op;
    const ParamSpec* param = op->param(skip.param);
    ASSERT_NE(param, nullptr) << "skip list names the unknown param " << skip.op << "."
                              << skip.param;
    EXPECT_EQ(param->type, ParamType::Path) << skip.op << "." << skip.param << ": " << skip.why;
    EXPECT_TRUE(seen.insert(std::string(skip.op) + "." + skip.param).second);
  }
  for (const auto& [key, values] : kOptionalValues) {
    auto dot = key.find('.');
    const OpSpec* op = catalogue().find(key.substr(0, dot));
    ASSERT_NE(op, nullptr) << key;
    const ParamSpec* param = op->param(key.substr(dot + 1));
    ASSERT_NE(param, nullptr) << key;
    EXPECT_TRUE(param->optional && !param->default_value) << key;
  }
}

// Every op can be used in its template exactly as the catalogue's defaults make it.
TEST_F(InvariantsCatalogue, EveryOpChecksInItsTemplate) {
  int checked = 0;
  for (const auto& [name, op] : catalogue().ops()) {
    if (name == "image_folder") continue;  // no parameter to vary; needs PNG folders
    SCOPED_TRACE(name);
    std::map<std::string, std::string> required;
    if (auto it = kRequired.find(name); it != kRequired.end()) required = it->second;
    for (const auto& spec : op.params) {
      if (!spec.default_value && !spec.optional) {
        EXPECT_EQ(required.count(spec.name), 1u)
            << "no template value for " << name << "." << spec.name;
      }
    }
    auto tmpl = pipeline_using(op, call_text(op, required, "", std::nullopt));
    ASSERT_TRUE(tmpl.has_value()) << "no template for " << name;
    Compiled compiled = compile(tmpl->text);
    EXPECT_TRUE(compiled.ok) << compiled.messages << "\n--- text:\n" << tmpl->text;
    if (!compiled.ok) continue;
    NodeId id;
    EXPECT_NE(holder_of(compiled, tmpl->holder, name, &id), nullptr) << tmpl->text;
    ++checked;
  }
  EXPECT_GE(checked, 40);
}

TEST_F(InvariantsCatalogue, EveryParameterValueEntersItsNodeHashAndNothingUpstream) {
  std::set<std::string> skipped;
  for (const auto& skip : kSkipped) skipped.insert(std::string(skip.op) + "." + skip.param);
  int varied = 0;
  for (const auto& [name, op] : catalogue().ops()) {
    for (const auto& spec : op.params) {
      if (!varied_type(spec.type)) continue;
      std::string key = name + "." + spec.name;
      if (skipped.count(key)) continue;
      SCOPED_TRACE(key);
      EXPECT_NE(spec.type, ParamType::Path) << key << " is a path missing from kSkipped";

      std::map<std::string, std::string> required;
      if (auto it = kRequired.find(name); it != kRequired.end()) required = it->second;
      auto special = kSpecial.find(key);
      if (special != kSpecial.end())
        for (const auto& [arg, text] : special->second.required) required[arg] = text;

      // base: the default, the first optional value, or the template's required value.
      std::string base;
      bool can_omit = false;
      std::optional<std::string> changed;
      if (spec.default_value) {
        base = literal(*spec.default_value);
        can_omit = true;
      } else if (auto it = kOptionalValues.find(key); it != kOptionalValues.end()) {
        base = it->second.first;
        changed = it->second.second;
      } else if (auto req = required.find(spec.name); req != required.end()) {
        base = req->second;
      } else {
        ADD_FAILURE() << "no base value for " << key << ": add it to kRequired or kOptionalValues";
        continue;
      }
      if (special != kSpecial.end()) changed = special->second.changed;
      if (!changed) changed = other_value(spec, base);
      if (!changed) {
        ADD_FAILURE() << "no other valid value for " << key << " (base " << base
                      << "): add one to kSpecial";
        continue;
      }
      ASSERT_NE(*changed, base);
      std::map<std::string, std::string> others = required;
      others.erase(spec.name);

      std::vector<Variant> variants;
      variants.reserve(3);  // `node` points into each variant's own graph: never reallocate
      auto build = [&](const std::string& what, const std::optional<std::string>& value) {
        std::string call = call_text(op, others, spec.name, value);
        auto tmpl = pipeline_using(op, call);
        EXPECT_TRUE(tmpl.has_value()) << "no template for " << name;
        if (!tmpl) return false;
        Variant v;
        v.what = what + " (" + call + ")";
        v.compiled = compile(tmpl->text);
        EXPECT_TRUE(v.compiled.ok) << v.what << ":\n" << v.compiled.messages << "\n--- text:\n"
                                   << tmpl->text;
        if (!v.compiled.ok) return false;
        v.node = holder_of(v.compiled, tmpl->holder, name, &v.id);
        EXPECT_NE(v.node, nullptr) << v.what;
        if (!v.node) return false;
        variants.push_back(std::move(v));
        return true;
      };
      bool ok = true;
      if (can_omit || spec.optional) ok &= build("left out", std::nullopt);
      ok &= build("written as " + base, base);
      ok &= build("changed to " + *changed, *changed);
      if (!ok) continue;
      ++varied;

      const Variant& changed_variant = variants.back();
      const Variant& base_variant = variants[variants.size() - 2];
      // Left out and written as the default are the same node, and the same plan.
      if (can_omit) {
        EXPECT_EQ(variants[0].node->hash, base_variant.node->hash)
            << "the default of " << key << " written out changes the node's hash";
        EXPECT_EQ(variants[0].compiled.plan.id, base_variant.compiled.plan.id);
      } else if (spec.optional) {
        EXPECT_NE(variants[0].node->hash, base_variant.node->hash)
            << "giving the optional " << key << " does not change the node's hash";
      }
      EXPECT_NE(base_variant.node->hash, changed_variant.node->hash)
          << key << ": " << base << " → " << *changed << " does not change the "
          << node_kind_name(base_variant.node->kind) << " node's hash";
      EXPECT_NE(base_variant.compiled.plan.id, changed_variant.compiled.plan.id) << key;

      // Every node upstream of the holder keeps its hash in every variant.
      auto upstream = fixture::ancestors(base_variant.compiled.graph, base_variant.id);
      for (const Variant& v : variants) {
        auto theirs = fixture::ancestors(v.compiled.graph, v.id);
        ASSERT_EQ(upstream.size(), theirs.size()) << v.what;
        for (std::size_t i = 0; i < upstream.size(); ++i) {
          const Node& a = base_variant.compiled.graph.nodes[upstream[i]];
          const Node& b = v.compiled.graph.nodes[theirs[i]];
          EXPECT_EQ(a.kind, b.kind);
          EXPECT_EQ(a.hash, b.hash) << v.what << " changed the upstream " << node_kind_name(a.kind)
                                    << " node " << a.label;
        }
      }
    }
  }
  // A floor, so that a template that silently stopped matching anything is noticed.
  EXPECT_GE(varied, 65);
}

// docs/language.md: "Arguments are named, except that the first may be written without its
// name". So every parameter of the catalogue must be writable as `name: value`.
TEST_F(InvariantsCatalogue, EveryParameterCanBeWrittenByName) {
  for (const auto& [name, op] : catalogue().ops()) {
    for (const auto& spec : op.params) {
      std::string text = "stage s = " + name + "(" + spec.name + ": 1)\n";
      SourceMap sources;
      DiagnosticEngine diagnostics;
      const SourceFile& file = sources.add("named.mlflow", text);
      parse_module(file, diagnostics);
      EXPECT_FALSE(diagnostics.has_errors())
          << name << "." << spec.name << " cannot be written by name:\n"
          << render_text(diagnostics.sorted(), sources, false);
    }
  }
}

// Ops without parameters still enter the hash by name: swapping one for another of its kind
// changes the node that holds it and nothing upstream.
TEST_F(InvariantsCatalogue, SwappingAnOpForAnotherOfItsKindChangesItsNode) {
  const std::vector<std::pair<std::string, std::string>> swaps = {
      {"relu", "gelu"}, {"tanh", "sigmoid"}, {"cross_entropy", "mse"},
      {"accuracy", "macro_f1"}, {"adam", "adamw"}, {"random_hflip", "random_vflip"},
      {"max_pool", "avg_pool"}};
  for (const auto& [a, b] : swaps) {
    SCOPED_TRACE(a + " → " + b);
    const OpSpec* op_a = catalogue().find(a);
    const OpSpec* op_b = catalogue().find(b);
    ASSERT_TRUE(op_a && op_b);
    ASSERT_EQ(op_a->kind, op_b->kind);
    auto required = [&](const std::string& name) {
      auto it = kRequired.find(name);
      return it == kRequired.end() ? std::map<std::string, std::string>{} : it->second;
    };
    auto ta = pipeline_using(*op_a, call_text(*op_a, required(a), "", std::nullopt));
    auto tb = pipeline_using(*op_b, call_text(*op_b, required(b), "", std::nullopt));
    ASSERT_TRUE(ta && tb);
    Compiled ca = compile(ta->text), cb = compile(tb->text);
    ASSERT_TRUE(ca.ok) << ca.messages;
    ASSERT_TRUE(cb.ok) << cb.messages;
    NodeId ia, ib;
    const Node* na = holder_of(ca, ta->holder, a, &ia);
    const Node* nb = holder_of(cb, tb->holder, b, &ib);
    ASSERT_TRUE(na && nb);
    EXPECT_NE(na->hash, nb->hash);
    auto ua = fixture::ancestors(ca.graph, ia), ub = fixture::ancestors(cb.graph, ib);
    ASSERT_EQ(ua.size(), ub.size());
    for (std::size_t i = 0; i < ua.size(); ++i)
      EXPECT_EQ(ca.graph.nodes[ua[i]].hash, cb.graph.nodes[ub[i]].hash);
  }
}

}  // namespace
}  // namespace mlf
