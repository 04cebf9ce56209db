#include "compiler/plan/plan_reader.h"

#include <toml++/toml.h>

#include <algorithm>
#include <exception>
#include <map>
#include <set>

#include "compiler/hash/canonical.h"
#include "compiler/hash/content_hash.h"

namespace mlf {
namespace {

std::string short_id(const Digest& id) { return "`" + id.short_hex() + "`"; }

// Entries of a table in the order they were written (toml++ keeps keys sorted).
std::vector<std::pair<std::string, const toml::node*>> written_order(const toml::table& table) {
  std::vector<std::pair<std::string, const toml::node*>> entries;
  for (auto&& [key, node] : table) entries.emplace_back(std::string(key.str()), &node);
  std::stable_sort(entries.begin(), entries.end(), [](const auto& a, const auto& b) {
    const auto& pa = a.second->source().begin;
    const auto& pb = b.second->source().begin;
    return std::tie(pa.line, pa.column) < std::tie(pb.line, pb.column);
  });
  return entries;
}

class Reader {
 public:
  explicit Reader(std::vector<std::string>& errors) : errors_(errors) {}

  void error(const std::string& where, const std::string& message) {
    errors_.push_back(where.empty() ? message : where + ": " + message);
  }

  // --- typed fields
  const toml::node* field(const toml::table& table, std::string_view key, const std::string& where,
                          bool required) {
    const toml::node* node = table.get(key);
    if (!node && required) error(where, "`" + std::string(key) + "` is missing");
    return node;
  }

  std::optional<std::string> string(const toml::table& table, std::string_view key,
                                    const std::string& where, bool required = true) {
    const toml::node* node = field(table, key, where, required);
    if (!node) return std::nullopt;
    if (!node->is_string()) {
      error(where, "`" + std::string(key) + "` must be a string");
      return std::nullopt;
    }
    return node->as_string()->get();
  }

  std::optional<std::int64_t> integer(const toml::table& table, std::string_view key,
                                      const std::string& where, bool required = true) {
    const toml::node* node = field(table, key, where, required);
    if (!node) return std::nullopt;
    if (!node->is_integer()) {
      error(where, "`" + std::string(key) + "` must be an integer");
      return std::nullopt;
    }
    return node->as_integer()->get();
  }

  std::optional<double> real(const toml::table& table, std::string_view key,
                             const std::string& where) {
    const toml::node* node = field(table, key, where, true);
    if (!node) return std::nullopt;
    if (node->is_floating_point()) return node->as_floating_point()->get();
    if (node->is_integer()) return static_cast<double>(node->as_integer()->get());
    error(where, "`" + std::string(key) + "` must be a number");
    return std::nullopt;
  }

  std::optional<bool> boolean(const toml::table& table, std::string_view key,
                              const std::string& where) {
    const toml::node* node = field(table, key, where, true);
    if (!node) return std::nullopt;
    if (!node->is_boolean()) {
      error(where, "`" + std::string(key) + "` must be true or false");
      return std::nullopt;
    }
    return node->as_boolean()->get();
  }

  std::optional<Digest> digest(const toml::table& table, std::string_view key,
                               const std::string& where, bool required = true) {
    auto text = string(table, key, where, required);
    if (!text) return std::nullopt;
    return digest_text(*text, "`" + std::string(key) + "`", where);
  }

  std::optional<Digest> digest_text(const std::string& text, const std::string& what,
                                    const std::string& where) {
    Digest out;
    if (Digest::from_hex(text, out)) return out;
    error(where, what + " must be 64 lower-case hex digits, found \"" + text + "\"");
    return std::nullopt;
  }

  const toml::table* table(const toml::table& parent, std::string_view key,
                           const std::string& where, bool required = true) {
    const toml::node* node = field(parent, key, where, required);
    if (!node) return nullptr;
    if (!node->is_table()) {
      error(where, "`" + std::string(key) + "` must be a table");
      return nullptr;
    }
    return node->as_table();
  }

  // The tables of an array of tables; an absent key is an empty array.
  std::vector<const toml::table*> tables(const toml::table& parent, std::string_view key,
                                         const std::string& where) {
    std::vector<const toml::table*> out;
    const toml::node* node = parent.get(key);
    if (!node) return out;
    const toml::array* array = node->as_array();
    if (!array) {
      error(where, "`" + std::string(key) + "` must be an array of tables");
      return out;
    }
    for (const toml::node& item : *array) {
      if (!item.is_table()) {
        error(where, "`" + std::string(key) + "` must be an array of tables");
        return {};
      }
      out.push_back(item.as_table());
    }
    return out;
  }

  template <class T>
  std::optional<T> typed(const toml::table& t, std::string_view key, const std::string& where,
                         std::optional<T> (*parse)(std::string_view), const char* what) {
    auto text = string(t, key, where);
    if (!text) return std::nullopt;
    auto parsed = parse(*text);
    if (!parsed)
      error(where, "`" + std::string(key) + "` is not a " + what + ": \"" + *text + "\"");
    return parsed;
  }

  // --- values and ops
  std::optional<PlanValue> value(const toml::node& node, const std::string& where) {
    PlanValue out;
    if (node.is_integer()) {
      out.kind = PlanValue::Kind::Int;
      out.integer = node.as_integer()->get();
    } else if (node.is_floating_point()) {
      out.kind = PlanValue::Kind::Float;
      out.real = node.as_floating_point()->get();
    } else if (node.is_boolean()) {
      out.kind = PlanValue::Kind::Bool;
      out.boolean = node.as_boolean()->get();
    } else if (node.is_string()) {
      out.kind = PlanValue::Kind::String;
      out.text = node.as_string()->get();
    } else if (const toml::array* array = node.as_array()) {
      out.kind = PlanValue::Kind::List;
      for (const toml::node& item : *array) {
        auto v = value(item, where);
        if (!v) return std::nullopt;
        out.items.push_back(std::move(*v));
      }
    } else if (const toml::table* t = node.as_table()) {
      if (t->contains("op")) {
        auto o = op(*t, where);
        if (!o) return std::nullopt;
        out.kind = PlanValue::Kind::Op;
        out.ops.push_back(std::move(*o));
      } else if (t->contains("chain") || t->contains("model")) {
        bool chain = t->contains("chain");
        out.kind = chain ? PlanValue::Kind::Chain : PlanValue::Kind::Model;
        auto o = ops(*t, chain ? "chain" : "model", where);
        if (!o) return std::nullopt;
        out.ops = std::move(*o);
      } else if (t->contains("path")) {
        auto path = string(*t, "path", where);
        if (!path) return std::nullopt;
        out.kind = PlanValue::Kind::Path;
        out.text = *path;
      } else if (t->contains("node")) {
        auto id = digest(*t, "node", where);
        if (!id) return std::nullopt;
        out.kind = PlanValue::Kind::Node;
        out.node = *id;
        if (t->contains("field")) {
          auto name = string(*t, "field", where);
          if (!name) return std::nullopt;
          out.kind = PlanValue::Kind::Field;
          out.text = *name;
        }
      } else {
        error(where, "a table value must have `op`, `chain`, `model`, `path` or `node`");
        return std::nullopt;
      }
    } else {
      error(where, "dates and times are not plan values");
      return std::nullopt;
    }
    return out;
  }

  std::optional<std::vector<PlanArgument>> args(const toml::table* t, const std::string& where) {
    std::vector<PlanArgument> out;
    if (!t) return out;
    for (const auto& [name, node] : written_order(*t)) {
      auto v = value(*node, where + ", argument `" + name + "`");
      if (!v) return std::nullopt;
      out.push_back({name, std::move(*v)});
    }
    return out;
  }

  std::optional<std::vector<PlanOp>> ops(const toml::table& t, std::string_view key,
                                         const std::string& where) {
    std::vector<PlanOp> out;
    const toml::node* node = t.get(key);
    const toml::array* array = node ? node->as_array() : nullptr;
    if (!array) {
      error(where, "`" + std::string(key) + "` must be an array of ops");
      return std::nullopt;
    }
    for (const toml::node& item : *array) {
      const toml::table* op_table = item.as_table();
      if (!op_table) {
        error(where, "`" + std::string(key) + "` must be an array of ops");
        return std::nullopt;
      }
      auto o = op(*op_table, where);
      if (!o) return std::nullopt;
      out.push_back(std::move(*o));
    }
    return out;
  }

  // An op table: op, version, args (optional when empty) and children (optional).
  std::optional<PlanOp> op(const toml::table& t, const std::string& where) {
    auto name = string(t, "op", where);
    auto version = string(t, "version", where);
    if (!name || !version) return std::nullopt;
    PlanOp out;
    out.name = *name;
    out.version = *version;
    std::string inner = where + ", op `" + *name + "`";
    const toml::table* arg_table = t.contains("args") ? table(t, "args", inner) : nullptr;
    if (t.contains("args") && !arg_table) return std::nullopt;
    auto a = args(arg_table, inner);
    if (!a) return std::nullopt;
    out.args = std::move(*a);
    if (t.contains("children")) {
      auto children = ops(t, "children", inner);
      if (!children) return std::nullopt;
      out.children = std::move(*children);
    }
    return out;
  }

  // --- nodes
  std::optional<PlanLayer> layer(const toml::table& t, const std::string& where) {
    auto o = op(t, where);
    if (!o) return std::nullopt;
    PlanLayer out;
    out.op = std::move(*o);
    std::string inner = where + " (`" + out.op.name + "`)";
    if (const toml::table* inferred = table(t, "inferred", inner)) {
      for (const auto& [name, node] : written_order(*inferred)) {
        if (!node->is_integer()) {
          error(inner, "inferred size `" + name + "` must be an integer");
          return std::nullopt;
        }
        out.inferred.emplace_back(name, node->as_integer()->get());
      }
    }
    auto in = typed<TensorType>(t, "in", inner, parse_tensor_type, "tensor type");
    auto result = typed<TensorType>(t, "out", inner, parse_tensor_type, "tensor type");
    if (!in || !result) return std::nullopt;
    out.in = *in;
    out.out = *result;
    std::size_t index = 0;
    for (const toml::table* sub : tables(t, "sublayer", inner)) {
      auto l = layer(*sub, inner + ", sublayer " + std::to_string(index++));
      if (!l) return std::nullopt;
      out.sublayers.push_back(std::move(*l));
    }
    return out;
  }

  std::optional<PlanNode> node(const toml::table& t, std::size_t index) {
    std::string where = "node " + std::to_string(index);
    std::size_t before = errors_.size();
    PlanNode out;
    if (auto id = digest(t, "id", where)) {
      out.id = *id;
      where += " (" + short_id(out.id) + ")";
    }
    if (auto kind = string(t, "kind", where)) {
      static const std::set<std::string> kinds = {"read", "dataset", "augment", "train",
                                                  "evaluate"};
      if (!kinds.count(*kind)) error(where, "unknown node kind \"" + *kind + "\"");
      out.kind = *kind;
    }
    if (t.contains("op") || t.contains("version")) {
      const toml::table* arg_table = t.contains("args") ? table(t, "args", where) : nullptr;
      auto name = string(t, "op", where);
      auto version = string(t, "version", where);
      auto a = args(arg_table, where);
      if (name && version && a) {
        PlanOp call;
        call.name = *name;
        call.version = *version;
        call.args = std::move(*a);
        if (t.contains("children")) {
          if (auto children = ops(t, "children", where)) call.children = std::move(*children);
        }
        out.call = std::move(call);
      }
    } else if (t.contains("args")) {
      error(where, "`args` without `op`");
    }
    if (const toml::node* inputs = field(t, "inputs", where, true)) {
      const toml::array* array = inputs->as_array();
      if (!array) error(where, "`inputs` must be an array of node ids");
      for (std::size_t i = 0; array && i < array->size(); ++i) {
        const toml::node* item = array->get(i);
        if (!item->is_string()) {
          error(where, "`inputs` must be an array of node ids");
          break;
        }
        if (auto id = digest_text(item->as_string()->get(), "an input", where))
          out.inputs.push_back(*id);
      }
    }
    if (t.contains("seed")) out.seed = digest(t, "seed", where);
    if (t.contains("sample") || t.contains("count")) {
      out.sample = typed<SampleType>(t, "sample", where, parse_sample_type, "sample type");
      if (auto count = integer(t, "count", where)) out.count = *count;
    }
    if (t.contains("input"))
      out.model_input = typed<TensorType>(t, "input", where, parse_tensor_type, "tensor type");
    if (t.contains("output"))
      out.model_output = typed<TensorType>(t, "output", where, parse_tensor_type, "tensor type");

    std::size_t i = 0;
    for (const toml::table* f : tables(t, "file", where)) {
      std::string at = where + ", file " + std::to_string(i++);
      PlanFileInput file;
      auto argument = string(*f, "argument", at);
      auto path = string(*f, "path", at);
      auto directory = boolean(*f, "directory", at);
      auto sha = digest(*f, "sha256", at);
      if (!argument || !path || !directory || !sha) continue;
      out.files.push_back(PlanFileInput{*argument, *path, *directory, *sha});
    }
    i = 0;
    for (const toml::table* s : tables(t, "step", where)) {
      std::string at = where + ", step " + std::to_string(i++);
      auto o = op(*s, at);
      auto occurrence = integer(*s, "occurrence", at);
      auto in = typed<SampleType>(*s, "in", at, parse_sample_type, "sample type");
      auto result = typed<SampleType>(*s, "out", at, parse_sample_type, "sample type");
      std::optional<Digest> stream;
      if (s->contains("stream")) {
        stream = digest(*s, "stream", at);
        if (!stream) continue;
      }
      if (!o || !occurrence || !in || !result) continue;
      out.chain.push_back(
          PlanStep{std::move(*o), static_cast<int>(*occurrence), stream, *in, *result});
    }
    i = 0;
    for (const toml::table* l : tables(t, "layer", where)) {
      if (auto parsed = layer(*l, where + ", layer " + std::to_string(i++)))
        out.layers.push_back(std::move(*parsed));
    }
    i = 0;
    for (const toml::table* f : tables(t, "field", where)) {
      std::string at = where + ", field " + std::to_string(i++);
      auto name = string(*f, "name", at);
      auto type = string(*f, "type", at);
      auto scalar = boolean(*f, "scalar", at);
      if (name && type && scalar) out.fields.push_back(PlanMetricField{*name, *type, *scalar});
    }
    if (errors_.size() != before) return std::nullopt;
    return out;
  }

  void body(const toml::table& root, Plan& plan) {
    if (auto format = string(root, "format", "")) {
      plan.format = *format;
      if (*format != kPlanFormat) {
        error("", "unsupported plan format \"" + *format + "\"; this mlf reads \"" +
                      std::string(kPlanFormat) + "\"");
        return;
      }
    } else {
      return;
    }
    if (auto seed = integer(root, "root_seed", "")) plan.root_seed = *seed;
    std::size_t index = 0;
    for (const toml::table* t : tables(root, "node", "")) {
      if (auto n = node(*t, index)) plan.nodes.push_back(std::move(*n));
      ++index;
    }
    index = 0;
    for (const toml::table* t : tables(root, "gate", "")) {
      std::string where = "gate " + std::to_string(index++);
      auto id = digest(*t, "node", where);
      auto field_name = string(*t, "field", where);
      auto comparison = string(*t, "comparison", where);
      auto threshold = real(*t, "threshold", where);
      if (!id || !field_name || !comparison || !threshold) continue;
      static const std::set<std::string> comparisons = {"<", "<=", ">", ">=", "==", "!="};
      if (!comparisons.count(*comparison))
        error(where, "unknown comparison \"" + *comparison + "\"");
      plan.gates.push_back(PlanGate{*id, *field_name, *comparison, *threshold});
    }
    index = 0;
    for (const toml::table* t : tables(root, "export", "")) {
      std::string where = "export " + std::to_string(index++);
      auto id = digest(*t, "node", where);
      auto path = string(*t, "path", where);
      if (id && path) plan.exports.push_back(PlanExport{*id, *path});
    }
  }

  // Returns the id the labels record, if any.
  std::optional<Digest> labels(const toml::table& root, Plan& plan) {
    const toml::table* labels = root.contains("labels") ? table(root, "labels", "labels") : nullptr;
    if (!labels) return std::nullopt;
    std::optional<Digest> recorded;
    if (labels->contains("plan")) recorded = digest(*labels, "plan", "labels");
    if (auto pipeline = string(*labels, "pipeline", "labels", false)) plan.pipeline = *pipeline;
    if (auto root_dir = string(*labels, "project_root", "labels", false))
      plan.project_root = *root_dir;
    std::size_t index = 0;
    for (const toml::table* t : tables(*labels, "node", "labels")) {
      std::string where = "labels, node " + std::to_string(index++);
      auto id = digest(*t, "id", where);
      auto label = string(*t, "label", where);
      if (!id || !label) continue;
      PlanLabel out{*id, *label, {}};
      if (t->contains("sweep")) {
        if (const toml::table* sweep = table(*t, "sweep", where)) {
          for (const auto& [name, value] : written_order(*sweep)) {
            if (value->is_string()) {
              out.sweep_values.emplace_back(name, value->as_string()->get());
            } else {
              error(where, "sweep value `" + name + "` must be a string");
            }
          }
        }
      }
      plan.labels.push_back(std::move(out));
    }
    index = 0;
    for (const toml::table* t : tables(*labels, "gate", "labels")) {
      std::string where = "labels, gate " + std::to_string(index++);
      auto gate = integer(*t, "gate", where);
      auto text = string(*t, "text", where);
      if (gate && text) {
        if (*gate < 0 || static_cast<std::size_t>(*gate) >= plan.gates.size()) {
          error(where, "there is no gate " + std::to_string(*gate));
        } else {
          plan.gate_texts.push_back(PlanGateText{static_cast<std::size_t>(*gate), *text});
        }
      }
    }
    return recorded;
  }

 private:
  std::vector<std::string>& errors_;
};

// --- canonical encodings of plan values: the same bytes as compiler/hash/canonical.cpp.

void encode_plan_call(std::string& out, const PlanOp& op);

void encode_plan_value(std::string& out, const PlanValue& value) {
  auto calls = [&](char tag) {
    out += tag;
    out += ':';
    out += std::to_string(value.ops.size());
    out += '[';
    for (const auto& op : value.ops) encode_plan_call(out, op);
    out += ']';
  };
  switch (value.kind) {
    case PlanValue::Kind::Int:
      encode_int(out, value.integer);
      return;
    case PlanValue::Kind::Float:
      encode_float(out, value.real);
      return;
    case PlanValue::Kind::Bool:
      encode_bool(out, value.boolean);
      return;
    case PlanValue::Kind::String:
      out += "s:";
      encode_text(out, value.text);
      return;
    case PlanValue::Kind::Path:
      out += "p:path;";
      return;
    case PlanValue::Kind::List:
      out += "l:";
      out += std::to_string(value.items.size());
      out += '[';
      for (const auto& item : value.items) encode_plan_value(out, item);
      out += ']';
      return;
    case PlanValue::Kind::Op:
      out += "o:";
      if (value.ops.empty()) {
        out += 'n';
      } else {
        encode_plan_call(out, value.ops.front());
      }
      return;
    case PlanValue::Kind::Chain:
      calls('c');
      return;
    case PlanValue::Kind::Model:
      calls('m');
      return;
    case PlanValue::Kind::Node:
      out += "N:";
      encode_digest(out, value.node);
      return;
    case PlanValue::Kind::Field:
      out += "F:N:";
      encode_digest(out, value.node);
      encode_text(out, value.text);
      return;
  }
}

void encode_plan_call(std::string& out, const PlanOp& op) {
  encode_call_head(out, op.name, op.version);
  out += '(';
  out += std::to_string(op.args.size());
  out += ':';
  for (const auto& arg : op.args) {
    encode_text(out, arg.name);
    out += '=';
    encode_plan_value(out, arg.value);
  }
  out += ")[";
  out += std::to_string(op.children.size());
  out += ':';
  for (const auto& child : op.children) encode_plan_call(out, child);
  out += ']';
}

void encode_plan_layer(std::string& out, const PlanLayer& layer) {
  out += "L:";
  encode_plan_call(out, layer.op);
  out += '{';
  out += std::to_string(layer.inferred.size());
  out += ':';
  for (const auto& [name, size] : layer.inferred) {
    encode_text(out, name);
    out += '=';
    encode_int(out, size);
  }
  out += "}[";
  out += std::to_string(layer.sublayers.size());
  out += ':';
  for (const auto& sub : layer.sublayers) encode_plan_layer(out, sub);
  out += ']';
}

// Node ids named inside a value (node and field arguments).
void named_nodes(const PlanValue& value, std::vector<Digest>& out) {
  if (value.kind == PlanValue::Kind::Node || value.kind == PlanValue::Kind::Field)
    out.push_back(value.node);
  for (const auto& item : value.items) named_nodes(item, out);
  for (const auto& op : value.ops)
    for (const auto& arg : op.args) named_nodes(arg.value, out);
}

}  // namespace

std::string canonical_call(const PlanOp& op) {
  std::string out;
  encode_plan_call(out, op);
  return out;
}

std::string canonical_layer(const PlanLayer& layer) {
  std::string out;
  encode_plan_layer(out, layer);
  return out;
}

std::vector<std::string> verify_plan_ids(const Plan& plan) {
  std::vector<std::string> errors;
  std::set<Digest> seen;
  for (std::size_t index = 0; index < plan.nodes.size(); ++index) {
    const PlanNode& node = plan.nodes[index];
    std::string where = "node " + std::to_string(index) + " (" + short_id(node.id) + ")";
    if (seen.count(node.id)) {
      errors.push_back(where + ": the id appears twice");
      continue;
    }
    bool inputs_known = true;
    for (const auto& input : node.inputs)
      if (!seen.count(input)) {
        errors.push_back(where + ": input " + short_id(input) +
                         " is not a node that comes before it");
        inputs_known = false;
      }
    std::vector<Digest> named;
    if (node.call)
      for (const auto& arg : node.call->args) named_nodes(arg.value, named);
    for (const auto& id : named)
      if (!seen.count(id)) {
        errors.push_back(where + ": an argument names " + short_id(id) +
                         ", which is not a node that comes before it");
        inputs_known = false;
      }
    seen.insert(node.id);
    if (!inputs_known) continue;

    NodeHashParts parts;
    parts.kind = node.kind;
    if (node.call) parts.call = canonical_call(*node.call);
    parts.inputs = node.inputs;
    for (const auto& file : node.files)
      parts.files.push_back({file.argument, file.directory, file.sha256});
    Digest source = node.inputs.empty() ? Digest{} : node.inputs.front();
    std::vector<std::string> earlier;
    for (std::size_t s = 0; s < node.chain.size(); ++s) {
      const PlanStep& step = node.chain[s];
      std::string call = canonical_call(step.op);
      int occurrence = static_cast<int>(std::count(earlier.begin(), earlier.end(), call));
      if (step.occurrence != occurrence)
        errors.push_back(where + ", step " + std::to_string(s) + ": occurrence is " +
                         std::to_string(step.occurrence) + " but the chain makes it " +
                         std::to_string(occurrence));
      if (step.stream &&
          *step.stream != derive_stream(plan.root_seed, source, call, step.occurrence))
        errors.push_back(where + ", step " + std::to_string(s) +
                         ": the stream does not derive from the root seed and the step");
      parts.steps.push_back(encode_step(call, step.occurrence, step.stream.value_or(Digest{})));
      earlier.push_back(std::move(call));
    }
    for (const auto& layer : node.layers) parts.layers.push_back(canonical_layer(layer));
    if (node.seed) {
      if (*node.seed != derive_seed(plan.root_seed, hash_node_parts(parts)))
        errors.push_back(where + ": the seed does not derive from the root seed and the node");
      parts.seed = *node.seed;
    }
    if (hash_node_parts(parts) != node.id)
      errors.push_back(where + ": the id does not match the node's content");
  }
  for (std::size_t i = 0; i < plan.gates.size(); ++i)
    if (!seen.count(plan.gates[i].node))
      errors.push_back("gate " + std::to_string(i) + ": node " + short_id(plan.gates[i].node) +
                       " is not in the plan");
  for (std::size_t i = 0; i < plan.exports.size(); ++i)
    if (!seen.count(plan.exports[i].node))
      errors.push_back("export " + std::to_string(i) + ": node " + short_id(plan.exports[i].node) +
                       " is not in the plan");
  return errors;
}

PlanReadResult read_plan(std::string_view text, const std::optional<Digest>& expected_id) {
  PlanReadResult result;
  try {
    std::string_view body = plan_body_of_file(text);
    result.plan.id = Sha256::of(body);

    toml::table root;
    try {
      root = toml::parse(text);
    } catch (const toml::parse_error& e) {
      const auto& at = e.source().begin;
      result.errors.push_back("line " + std::to_string(at.line) + ", column " +
                              std::to_string(at.column) + ": " + std::string(e.description()));
      return result;
    }

    Reader reader(result.errors);
    reader.body(root, result.plan);
    std::optional<Digest> recorded = reader.labels(root, result.plan);
    if (!result.errors.empty()) return result;

    if (recorded && *recorded != result.plan.id)
      result.errors.push_back("the plan records its id as " + short_id(*recorded) +
                              " but its body hashes to " + short_id(result.plan.id) +
                              "; the body was changed after it was written");
    if (expected_id && *expected_id != result.plan.id)
      result.errors.push_back("expected plan " + short_id(*expected_id) + " but the file is plan " +
                              short_id(result.plan.id));
    if (render_plan_body(result.plan) != body)
      result.errors.push_back(
          "the plan body is not in canonical form (was it edited by hand?); rebuild it with "
          "`mlf build`");
    for (auto& message : verify_plan_ids(result.plan)) result.errors.push_back(std::move(message));
  } catch (const std::exception& e) {
    result.errors.push_back(std::string("cannot read the plan: ") + e.what());
  }
  return result;
}

}  // namespace mlf
