#include "compiler/plan/plan.h"

#include <charconv>
#include <filesystem>

#include "compiler/plan/toml_text.h"

namespace mlf {
namespace {

namespace fs = std::filesystem;
namespace tt = toml_text;

std::string render_value(const PlanValue& value);

std::string render_args(const std::vector<PlanArgument>& args) {
  std::vector<std::pair<std::string, std::string>> entries;
  for (const auto& arg : args) entries.emplace_back(arg.name, render_value(arg.value));
  return tt::inline_table(entries);
}

std::string render_ops(const std::vector<PlanOp>& ops);

std::string render_op(const PlanOp& op) {
  std::vector<std::pair<std::string, std::string>> entries = {
      {"op", tt::string(op.name)},
      {"version", tt::string(op.version)},
      {"args", render_args(op.args)},
  };
  if (!op.children.empty()) entries.emplace_back("children", render_ops(op.children));
  return tt::inline_table(entries);
}

std::string render_ops(const std::vector<PlanOp>& ops) {
  std::vector<std::string> items;
  for (const auto& op : ops) items.push_back(render_op(op));
  return tt::array(items);
}

std::string render_value(const PlanValue& value) {
  switch (value.kind) {
    case PlanValue::Kind::Int:
      return tt::integer(value.integer);
    case PlanValue::Kind::Float:
      return tt::real(value.real);
    case PlanValue::Kind::Bool:
      return tt::boolean(value.boolean);
    case PlanValue::Kind::String:
      return tt::string(value.text);
    case PlanValue::Kind::Path:
      return tt::inline_table({{"path", tt::string(value.text)}});
    case PlanValue::Kind::List: {
      std::vector<std::string> items;
      for (const auto& item : value.items) items.push_back(render_value(item));
      return tt::array(items);
    }
    case PlanValue::Kind::Op:
      return value.ops.empty() ? tt::inline_table({}) : render_op(value.ops.front());
    case PlanValue::Kind::Chain:
      return tt::inline_table({{"chain", render_ops(value.ops)}});
    case PlanValue::Kind::Model:
      return tt::inline_table({{"model", render_ops(value.ops)}});
    case PlanValue::Kind::Node:
      return tt::inline_table({{"node", tt::string(value.node.hex())}});
    case PlanValue::Kind::Field:
      return tt::inline_table(
          {{"node", tt::string(value.node.hex())}, {"field", tt::string(value.text)}});
  }
  return "{}";
}

// op, version, args and (when any) children of a step's or layer's op, as table entries.
void write_op_entries(tt::Writer& w, const PlanOp& op) {
  w.entry("op", tt::string(op.name));
  w.entry("version", tt::string(op.version));
  w.entry("args", render_args(op.args));
  if (!op.children.empty()) w.entry("children", render_ops(op.children));
}

void write_layer(tt::Writer& w, const std::string& path, const PlanLayer& layer) {
  w.array_table(path);
  write_op_entries(w, layer.op);
  std::vector<std::pair<std::string, std::string>> inferred;
  for (const auto& [name, size] : layer.inferred) inferred.emplace_back(name, tt::integer(size));
  w.entry("inferred", tt::inline_table(inferred));
  w.entry("in", tt::string(layer.in.str()));
  w.entry("out", tt::string(layer.out.str()));
  for (const auto& sublayer : layer.sublayers) write_layer(w, path + ".sublayer", sublayer);
}

void write_node(tt::Writer& w, const PlanNode& node) {
  w.array_table("node");
  w.entry("id", tt::string(node.id.hex()));
  w.entry("kind", tt::string(node.kind));
  if (node.call) {
    w.entry("op", tt::string(node.call->name));
    w.entry("version", tt::string(node.call->version));
    if (!node.call->children.empty()) w.entry("children", render_ops(node.call->children));
  }
  std::vector<std::string> inputs;
  for (const auto& input : node.inputs) inputs.push_back(tt::string(input.hex()));
  w.entry("inputs", tt::array(inputs));
  if (node.seed) w.entry("seed", tt::string(node.seed->hex()));
  if (node.sample) {
    w.entry("sample", tt::string(node.sample->str()));
    w.entry("count", tt::integer(node.count));
  }
  if (node.model_input) w.entry("input", tt::string(node.model_input->str()));
  if (node.model_output) w.entry("output", tt::string(node.model_output->str()));

  if (node.call && !node.call->args.empty()) {
    w.table("node.args");
    for (const auto& arg : node.call->args) w.entry(arg.name, render_value(arg.value));
  }
  for (const auto& file : node.files) {
    w.array_table("node.file");
    w.entry("argument", tt::string(file.argument));
    w.entry("path", tt::string(file.path));
    w.entry("directory", tt::boolean(file.directory));
    w.entry("sha256", tt::string(file.sha256.hex()));
  }
  for (const auto& step : node.chain) {
    w.array_table("node.step");
    write_op_entries(w, step.op);
    w.entry("occurrence", tt::integer(step.occurrence));
    if (step.stream) w.entry("stream", tt::string(step.stream->hex()));
    w.entry("in", tt::string(step.in.str()));
    w.entry("out", tt::string(step.out.str()));
  }
  for (const auto& layer : node.layers) write_layer(w, "node.layer", layer);
  for (const auto& field : node.fields) {
    w.array_table("node.field");
    w.entry("name", tt::string(field.name));
    w.entry("type", tt::string(field.type));
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
