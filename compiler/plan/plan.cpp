#include "compiler/plan/plan.h"

#include <charconv>
#include <filesystem>

#include "compiler/plan/toml_text.h"

namespace mlf {
namespace {

namespace fs = std::filesystem;
namespace tt = toml_text;

void append_value(std::string& out, const PlanValue& value);

void append_hex_string(std::string& out, const Digest& digest) {
  out += '"';
  out += digest.hex();
  out += '"';
}

// `{ name = value, ... }`, `{}` when there are none.
void append_args(std::string& out, const std::vector<PlanArgument>& args) {
  if (args.empty()) {
    out += "{}";
    return;
  }
  out += "{ ";
  for (std::size_t i = 0; i < args.size(); ++i) {
    if (i) out += ", ";
    tt::append_key(out, args[i].name);
    out += " = ";
    append_value(out, args[i].value);
  }
  out += " }";
}

void append_ops(std::string& out, const std::vector<PlanOp>& ops);

void append_op(std::string& out, const PlanOp& op) {
  out += "{ op = ";
  tt::append_string(out, op.name);
  out += ", version = ";
  tt::append_string(out, op.version);
  out += ", args = ";
  append_args(out, op.args);
  if (!op.children.empty()) {
    out += ", children = ";
    append_ops(out, op.children);
  }
  out += " }";
}

void append_ops(std::string& out, const std::vector<PlanOp>& ops) {
  out += '[';
  for (std::size_t i = 0; i < ops.size(); ++i) {
    if (i) out += ", ";
    append_op(out, ops[i]);
  }
  out += ']';
}

void append_value(std::string& out, const PlanValue& value) {
  switch (value.kind) {
    case PlanValue::Kind::Int:
      tt::append_integer(out, value.integer);
      return;
    case PlanValue::Kind::Float:
      out += tt::real(value.real);
      return;
    case PlanValue::Kind::Bool:
      out += tt::boolean(value.boolean);
      return;
    case PlanValue::Kind::String:
      tt::append_string(out, value.text);
      return;
    case PlanValue::Kind::Path:
      out += "{ path = ";
      tt::append_string(out, value.text);
      out += " }";
      return;
    case PlanValue::Kind::List:
      out += '[';
      for (std::size_t i = 0; i < value.items.size(); ++i) {
        if (i) out += ", ";
        append_value(out, value.items[i]);
      }
      out += ']';
      return;
    case PlanValue::Kind::Op:
      if (value.ops.empty())
        out += "{}";
      else
        append_op(out, value.ops.front());
      return;
    case PlanValue::Kind::Chain:
    case PlanValue::Kind::Model:
      out += value.kind == PlanValue::Kind::Chain ? "{ chain = " : "{ model = ";
      append_ops(out, value.ops);
      out += " }";
      return;
    case PlanValue::Kind::Node:
      out += "{ node = ";
      append_hex_string(out, value.node);
      out += " }";
      return;
    case PlanValue::Kind::Field:
      out += "{ node = ";
      append_hex_string(out, value.node);
      out += ", field = ";
      tt::append_string(out, value.text);
      out += " }";
      return;
  }
  out += "{}";
}

// op, version, args and (when any) children of a step's or layer's op, as table entries.
void write_op_entries(tt::Writer& w, const PlanOp& op) {
  w.entry_with("op", [&](std::string& out) { tt::append_string(out, op.name); });
  w.entry_with("version", [&](std::string& out) { tt::append_string(out, op.version); });
  w.entry_with("args", [&](std::string& out) { append_args(out, op.args); });
  if (!op.children.empty())
    w.entry_with("children", [&](std::string& out) { append_ops(out, op.children); });
}

void string_entry(tt::Writer& w, std::string_view name, std::string_view text) {
  w.entry_with(name, [&](std::string& out) { tt::append_string(out, text); });
}

void digest_entry(tt::Writer& w, std::string_view name, const Digest& digest) {
  w.entry_with(name, [&](std::string& out) { append_hex_string(out, digest); });
}

void integer_entry(tt::Writer& w, std::string_view name, std::int64_t value) {
  w.entry_with(name, [&](std::string& out) { tt::append_integer(out, value); });
}

void write_layer(tt::Writer& w, const std::string& path, const PlanLayer& layer) {
  w.array_table(path);
  write_op_entries(w, layer.op);
  w.entry_with("inferred", [&](std::string& out) {
    if (layer.inferred.empty()) {
      out += "{}";
      return;
    }
    out += "{ ";
    bool first = true;
    for (const auto& [name, size] : layer.inferred) {
      if (!first) out += ", ";
      first = false;
      tt::append_key(out, name);
      out += " = ";
      tt::append_integer(out, size);
    }
    out += " }";
  });
  string_entry(w, "in", layer.in.str());
  string_entry(w, "out", layer.out.str());
  for (const auto& sublayer : layer.sublayers) write_layer(w, path + ".sublayer", sublayer);
}

void write_node(tt::Writer& w, const PlanNode& node) {
  w.array_table("node");
  digest_entry(w, "id", node.id);
  string_entry(w, "kind", node.kind);
  if (node.call) {
    string_entry(w, "op", node.call->name);
    string_entry(w, "version", node.call->version);
    if (!node.call->children.empty())
      w.entry_with("children", [&](std::string& out) { append_ops(out, node.call->children); });
  }
  w.entry_with("inputs", [&](std::string& out) {
    out += '[';
    for (std::size_t i = 0; i < node.inputs.size(); ++i) {
      if (i) out += ", ";
      append_hex_string(out, node.inputs[i]);
    }
    out += ']';
  });
  if (node.seed) digest_entry(w, "seed", *node.seed);
  if (node.sample) {
    string_entry(w, "sample", node.sample->str());
    integer_entry(w, "count", node.count);
  }
  if (node.model_input) string_entry(w, "input", node.model_input->str());
  if (node.model_output) string_entry(w, "output", node.model_output->str());

  if (node.call && !node.call->args.empty()) {
    w.table("node.args");
    for (const auto& arg : node.call->args)
      w.entry_with(arg.name, [&](std::string& out) { append_value(out, arg.value); });
  }
  for (const auto& file : node.files) {
    w.array_table("node.file");
    string_entry(w, "argument", file.argument);
    string_entry(w, "path", file.path);
    w.entry("directory", tt::boolean(file.directory));
    digest_entry(w, "sha256", file.sha256);
  }
  for (const auto& step : node.chain) {
    w.array_table("node.step");
    write_op_entries(w, step.op);
    integer_entry(w, "occurrence", step.occurrence);
    if (step.stream) digest_entry(w, "stream", *step.stream);
    string_entry(w, "in", step.in.str());
    string_entry(w, "out", step.out.str());
  }
  for (const auto& layer : node.layers) write_layer(w, "node.layer", layer);
  for (const auto& field : node.fields) {
    w.array_table("node.field");
    string_entry(w, "name", field.name);
    string_entry(w, "type", field.type);
    w.entry("scalar", tt::boolean(field.scalar));
  }
}

// Reads a non-negative decimal integer at the front of `text`, advancing it.
std::optional<std::int64_t> take_int(std::string_view& text) {
  std::int64_t value = 0;
  auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (error != std::errc() || end == text.data()) return std::nullopt;
  text.remove_prefix(static_cast<std::size_t>(end - text.data()));
  return value;
}

bool take(std::string_view& text, std::string_view prefix) {
  if (text.substr(0, prefix.size()) != prefix) return false;
  text.remove_prefix(prefix.size());
  return true;
}

}  // namespace

const PlanValue* PlanOp::arg(std::string_view name) const {
  for (const auto& a : args)
    if (a.name == name) return &a.value;
  return nullptr;
}

const PlanNode* Plan::find(const Digest& node_id) const {
  for (const auto& node : nodes)
    if (node.id == node_id) return &node;
  return nullptr;
}

std::string render_plan_body(const Plan& plan) {
  tt::Writer w;
  // A node takes some hundreds of bytes: reserve once rather than copy the text as it grows.
  w.reserve(4096 + 1024 * plan.nodes.size() + 256 * plan.gates.size());
  w.comment("mlf plan: a compiled pipeline. Its id is the SHA-256 of this text up to the");
  w.comment("labels marker line; everything needed to run it is here, names are not.");
  w.entry("format", tt::string(plan.format));
  w.entry("root_seed", tt::integer(plan.root_seed));
  for (const auto& node : plan.nodes) write_node(w, node);
  for (const auto& gate : plan.gates) {
    w.array_table("gate");
    w.entry("node", tt::string(gate.node.hex()));
    w.entry("field", tt::string(gate.field));
    w.entry("comparison", tt::string(gate.comparison));
    w.entry("threshold", tt::real(gate.threshold));
  }
  for (const auto& exported : plan.exports) {
    w.array_table("export");
    w.entry("node", tt::string(exported.node.hex()));
    w.entry("path", tt::string(exported.path));
  }
  return w.take();
}

std::string render_plan_labels(const Plan& plan, const Digest& id) {
  tt::Writer w;
  w.comment(kLabelsMarker.substr(2));
  w.table("labels");
  w.entry("plan", tt::string(id.hex()));
  w.entry("pipeline", tt::string(plan.pipeline));
  w.entry("project_root", tt::string(plan.project_root));
  for (const auto& label : plan.labels) {
    w.array_table("labels.node");
    w.entry("id", tt::string(label.node.hex()));
    w.entry("label", tt::string(label.label));
    if (!label.sweep_values.empty()) {
      std::vector<std::pair<std::string, std::string>> sweep;
      for (const auto& [name, value] : label.sweep_values)
        sweep.emplace_back(name, tt::string(value));
      w.entry("sweep", tt::inline_table(sweep));
    }
  }
  for (const auto& gate : plan.gate_texts) {
    w.array_table("labels.gate");
    w.entry("gate", tt::integer(static_cast<std::int64_t>(gate.gate)));
    w.entry("text", tt::string(gate.text));
  }
  return w.take();
}

std::string plan_file_text(std::string_view body, std::string_view labels) {
  std::string out(body);
  out += '\n';
  out += labels;
  return out;
}

std::string_view plan_body_of_file(std::string_view text) {
  std::size_t at = 0;
  while (at <= text.size()) {
    std::size_t end = text.find('\n', at);
    std::string_view line = text.substr(at, end == std::string_view::npos ? end : end - at);
    if (line == kLabelsMarker) {
      std::string_view body = text.substr(0, at);
      if (body.size() >= 2 && body.substr(body.size() - 2) == "\n\n") body.remove_suffix(1);
      return body;
    }
    if (end == std::string_view::npos) break;
    at = end + 1;
  }
  return text;
}

Digest plan_id_of_file(std::string_view text) { return Sha256::of(plan_body_of_file(text)); }

std::string plan_relative_path(const std::string& path, const std::string& project_root) {
  if (project_root.empty() || path.empty()) return path;
  fs::path file = fs::path(path).lexically_normal();
  fs::path root = fs::path(project_root).lexically_normal();
  if (!file.is_absolute() || !root.is_absolute()) return path;
  if (!root.has_filename() && root.has_relative_path()) root = root.parent_path();
  fs::path relative = file.lexically_relative(root);
  if (relative.empty() || *relative.begin() == "..") return path;
  return relative.generic_string();
}

std::string resolve_plan_path(const std::string& path, const std::string& project_root) {
  fs::path file(path);
  if (file.is_absolute() || project_root.empty()) return path;
  return (fs::path(project_root) / file).lexically_normal().generic_string();
}

std::optional<TensorType> parse_tensor_type(std::string_view text) {
  std::size_t open = text.find('[');
  if (open == std::string_view::npos || text.empty() || text.back() != ']') return std::nullopt;
  auto dtype = dtype_from_name(std::string(text.substr(0, open)));
  if (!dtype) return std::nullopt;
  TensorType type;
  type.dtype = *dtype;
  std::string_view dims = text.substr(open + 1, text.size() - open - 2);
  while (!dims.empty()) {
    auto dim = take_int(dims);
    if (!dim) return std::nullopt;
    type.dims.push_back(*dim);
    if (dims.empty()) break;
    if (!take(dims, ",") || dims.empty()) return std::nullopt;
  }
  if (type.str() != text) return std::nullopt;  // only the canonical spelling
  return type;
}

std::optional<LabelType> parse_label_type(std::string_view text) {
  LabelType label;
  std::string_view rest = text;
  if (take(rest, "class<") || take(rest, "soft<")) {
    label.kind = text[0] == 'c' ? LabelType::Kind::Class : LabelType::Kind::Soft;
    auto classes = take_int(rest);
    if (!classes || rest != ">") return std::nullopt;
    label.classes = *classes;
  } else {
    auto target = parse_tensor_type(text);
    if (!target) return std::nullopt;
    label.kind = LabelType::Kind::Target;
    label.target = *target;
  }
  if (label.str() != text) return std::nullopt;
  return label;
}

std::optional<SampleType> parse_sample_type(std::string_view text) {
  std::string_view rest = text;
  if (!take(rest, "{x: ") || rest.empty() || rest.back() != '}') return std::nullopt;
  rest.remove_suffix(1);
  std::size_t split = rest.find(", y: ");
  if (split == std::string_view::npos) return std::nullopt;
  auto x = parse_tensor_type(rest.substr(0, split));
  auto y = parse_label_type(rest.substr(split + 5));
  if (!x || !y) return std::nullopt;
  return SampleType{*x, *y};
}

}  // namespace mlf
