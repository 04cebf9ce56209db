// Graph nodes: readers (with file probes and digests), dataset ops, augment chains applied
// to datasets (checked op by op), and stages (models checked layer by layer against the
// data that reaches them, losses against the labels, evaluations against the trained model).
#include <filesystem>

#include "compiler/sema/checker_state.h"

namespace mlf::sema_detail {

namespace fs = std::filesystem;

bool Checker::is_dataset(const Value& value) const {
  if (value.kind != Value::Kind::Node) return false;
  NodeKind kind = graph_.nodes[value.node].kind;
  return kind == NodeKind::Read || kind == NodeKind::DatasetOp || kind == NodeKind::Augment;
}

NodeId Checker::add_node(Node node) {
  graph_.nodes.push_back(std::move(node));
  return static_cast<NodeId>(graph_.nodes.size() - 1);
}

// Probe messages name files by the absolute paths they were given; people read them best as
// written relative to where they are.
static std::string with_display_paths(std::string message, const OpCall& call) {
  std::error_code ec;
  fs::path cwd = fs::current_path(ec);
  for (const auto& arg : call.args) {
    if (arg.value.kind != Value::Kind::Path) continue;
    std::string relative = fs::path(arg.value.text).lexically_relative(cwd).string();
    if (relative.empty() || relative.rfind("..", 0) == 0) continue;
    for (std::size_t at; (at = message.find(arg.value.text)) != std::string::npos;)
      message.replace(at, arg.value.text.size(), relative);
  }
  return message;
}

void Checker::report_rule_error(const RuleError& error, const OpCall& call, Span span) {
  Span where = span;
  if (!error.argument.empty())
    if (const Argument* arg = call.find(error.argument); arg && arg->value.span.valid())
      where = arg->value.span;
  auto builder = diagnostics_.report(error.kind, where, with_display_paths(error.message, call));
  for (const auto& note : error.notes) builder.note(with_display_paths(note, call));
  if (!error.help.empty()) builder.help(error.help);
}

static Value node_value(NodeId id, Span span) {
  Value out;
  out.kind = Value::Kind::Node;
  out.node = id;
  out.span = span;
  return out;
}

Value Checker::make_reader(std::shared_ptr<OpCall> call, Span span) {
  warn_data_outside_project(*call, span);
  auto result = call->op->reader_rule(*call);
  if (auto* error = std::get_if<RuleError>(&result)) {
    // Not a byte of a file outside the project goes into a diagnostic.
    if (const Argument* file = call->find(error->argument);
        file && file->value.kind == Value::Kind::Path && !error->content_free.empty() &&
        outside_project(file->value.text))
      error->message = error->content_free;
    report_rule_error(*error, *call, span);
    return Value::error(span);
  }
  auto& output = std::get<ReaderOutput>(result);
  Node node;
  node.kind = NodeKind::Read;
  node.call = call;
  node.dataset = output.type;
  node.span = span;
  for (const auto& argument : output.file_args) {
    const Value& path = call->arg(argument);
    if (path.kind != Value::Kind::Path) continue;
    FileInput file;
    file.argument = argument;
    file.path = path.text;
    std::error_code ec;
    file.directory = fs::is_directory(path.text, ec);
    auto digest = file.directory ? digests_->digest_tree(path.text) : digests_->digest(path.text);
    if (auto* error = std::get_if<probe::ProbeError>(&digest)) {
      diagnostics_.report(error->kind == probe::ProbeError::Kind::NotFound ? DiagnosticKind::FileNotFound
                                                                    : DiagnosticKind::FileUnreadable,
                          path.span.valid() ? path.span : span,
                          with_display_paths(error->message, *call));
      return Value::error(span);
    }
    file.digest = std::get<Digest>(digest);
    node.files.push_back(std::move(file));
  }
  return node_value(add_node(std::move(node)), span);
}

Value Checker::make_dataset_op(std::shared_ptr<OpCall> call, Span span) {
  std::vector<DatasetType> inputs;
  Node node;
  for (const auto& arg : call->args) {
    const ParamSpec* param = call->op->param(arg.name);
    if (param->type == ParamType::Dataset && arg.value.kind == Value::Kind::Node) {
      node.inputs.push_back(arg.value.node);
    } else if (param->type == ParamType::DatasetList) {
      for (const auto& item : arg.value.items) node.inputs.push_back(item.node);
    }
  }
  for (NodeId id : node.inputs) inputs.push_back(graph_.nodes[id].dataset);
  auto result = call->op->dataset_rule(inputs, *call);
  if (auto* error = std::get_if<RuleError>(&result)) {
    report_rule_error(*error, *call, span);
    return Value::error(span);
  }
  node.kind = NodeKind::DatasetOp;
  node.call = call;
  node.dataset = std::get<DatasetType>(result);
  node.random = call->op->random;
  node.span = span;
  return node_value(add_node(std::move(node)), span);
}

Value Checker::apply_chain(const Value& dataset, const Value& chain, Span span) {
  const Node& source = graph_.nodes[dataset.node];
  Node node;
  node.kind = NodeKind::Augment;
  node.span = span;
  NodeId input = dataset.node;
  if (source.kind == NodeKind::Augment) {
    // `ds |> a |> b` is `ds |> (a + b)`: one chain over the source, so it hashes alike.
    node.chain = source.chain;
    input = source.inputs.front();
  }
  node.inputs = {input};
  SampleType sample =
      node.chain.empty() ? graph_.nodes[input].dataset.sample : node.chain.back().out;
  for (const auto& op : chain.ops) {
    AugmentStep step;
    step.op = op;
    for (const auto& earlier : node.chain)
      if (same_call(*earlier.op, *op)) ++step.occurrence;
    step.in = sample;
    auto result = op->op->augment_rule(sample, *op);
    if (auto* error = std::get_if<RuleError>(&result)) {
      Span where = op->span.valid() ? op->span : span;
      if (!error->argument.empty())
        if (const Argument* arg = op->find(error->argument); arg && arg->value.span.valid())
          where = arg->value.span;
      auto builder = diagnostics_.report(error->kind, where, error->message)
                         .label(dataset.span, "samples here are " + sample.str());
      for (const auto& note : error->notes) builder.note(note);
      if (!error->help.empty()) builder.help(error->help);
      return Value::error(span);
    }
    sample = std::get<SampleType>(result);
    step.out = sample;
    if (op->op->random) node.random = true;
    node.chain.push_back(std::move(step));
  }
  node.dataset = graph_.nodes[input].dataset;
  node.dataset.sample = sample;
  node.random = false;  // randomness lives in the steps' own streams
  return node_value(add_node(std::move(node)), span);
}

std::optional<std::vector<ModelLayer>> Checker::infer_layers(
    const std::vector<std::shared_ptr<const OpCall>>& layers, TensorType& shape, Span data_span) {
  std::vector<ModelLayer> out;
  for (const auto& layer : layers) {
    ModelLayer model_layer;
    model_layer.op = layer;
    model_layer.in = shape;
    if (layer->op->kind == OpKind::Block) {
      TensorType inner = shape;
      auto children = infer_layers(layer->children, inner, data_span);
      if (!children) return std::nullopt;
      if (layer->op->name == "residual" && !(inner == shape)) {
        diagnostics_.report(DiagnosticKind::ShapeMismatch, layer->span,
                            "a `residual` block must keep its input shape: " + shape.str() +
                                " goes in, " + inner.str() + " comes out")
            .primary_label("shape changes inside")
            .label(data_span, "the data enters the model here")
            .help("keep the layers' output channels and size equal to the input's");
        return std::nullopt;
      }
      model_layer.children = std::move(*children);
      shape = inner;
    } else {
      auto result = layer->op->layer_rule(shape, *layer);
      if (auto* error = std::get_if<RuleError>(&result)) {
        Span where = layer->span;
        if (!error->argument.empty())
          if (const Argument* arg = layer->find(error->argument); arg && arg->value.span.valid())
            where = arg->value.span;
        auto builder = diagnostics_.report(error->kind, where, error->message)
                           .primary_label("input is " + shape.str())
                           .label(data_span, "the data enters the model here");
        for (const auto& note : error->notes) builder.note(note);
        if (!error->help.empty()) builder.help(error->help);
        return std::nullopt;
      }
      auto& layer_shape = std::get<LayerShape>(result);
      model_layer.inferred = layer_shape.inferred;
      shape = layer_shape.out;
    }
    model_layer.out = shape;
    out.push_back(std::move(model_layer));
  }
  return out;
}

Value Checker::make_train(std::shared_ptr<OpCall> call, Span span) {
  const Value& model = call->arg("model");
  const Value& data = call->arg("data");
  const Node& data_node = graph_.nodes[data.node];
  TensorType shape = data_node.dataset.sample.x;
  if (model.ops.empty()) {
    diagnostics_.report(DiagnosticKind::ShapeMismatch, model.span.valid() ? model.span : span,
                        "the model has no layers")
        .primary_label("empty model");
    return Value::error(span);
  }
  auto layers = infer_layers(model.ops, shape, data.span);
  if (!layers) return Value::error(span);
  const Value& loss = call->arg("loss");
  auto checked = loss.op->op->loss_rule(shape, data_node.dataset.sample.y, *loss.op);
  if (auto* error = std::get_if<RuleError>(&checked)) {
    auto builder = diagnostics_.report(error->kind, loss.span.valid() ? loss.span : span,
                                       error->message)
                       .label(data.span, "labels are " + data_node.dataset.sample.y.str());
    if (!model.ops.empty() && model.ops.back()->span.valid())
      builder.label(model.ops.back()->span, "the model ends in " + shape.str());
    for (const auto& note : error->notes) builder.note(note);
    if (!error->help.empty()) builder.help(error->help);
    return Value::error(span);
  }
  Node node;
  node.kind = NodeKind::Train;
  node.call = call;
  node.inputs = {data.node};
  node.layers = std::move(*layers);
  node.model_input = data_node.dataset.sample.x;
  node.model_output = shape;
  node.dataset = data_node.dataset;
  node.random = true;  // initialisation, shuffling and dropout
  node.span = span;
  any_random_ = true;
  return node_value(add_node(std::move(node)), span);
}

Value Checker::make_evaluate(std::shared_ptr<OpCall> call, Span span) {
  const Value& model = call->arg("model");
  const Value& data = call->arg("data");
  const Node& trained = graph_.nodes[model.node];
  const Node& data_node = graph_.nodes[data.node];
  if (!(trained.model_input == data_node.dataset.sample.x)) {
    diagnostics_.report(DiagnosticKind::ShapeMismatch, data.span,
                        "the model was trained on " + trained.model_input.str() +
                            " samples but this data gives " + data_node.dataset.sample.x.str())
        .primary_label("samples are " + data_node.dataset.sample.x.str())
        .label(model.span, "trained on " + trained.model_input.str())
        .help("apply the same deterministic augment chain as in training, e.g. `test |> prep`");
    return Value::error(span);
  }
  const LabelType& trained_labels = trained.dataset.sample.y;
  const LabelType& labels = data_node.dataset.sample.y;
  if (labels.kind != LabelType::Kind::Target && trained_labels.kind != LabelType::Kind::Target &&
      labels.classes != trained_labels.classes) {
    diagnostics_.report(DiagnosticKind::LabelMismatch, data.span,
                        "the model was trained on " + trained_labels.str() +
                            " labels but this data has " + labels.str())
        .primary_label("labels are " + labels.str())
        .label(model.span, "trained on " + trained_labels.str());
    return Value::error(span);
  }
  Node node;
  node.kind = NodeKind::Evaluate;
  node.call = call;
  node.inputs = {model.node, data.node};
  node.dataset = data_node.dataset;
  node.span = span;
  for (const auto& metric : call->arg("metrics").items) {
    const auto& field = *metric.op->op->metric_field;
    bool seen = false;
    for (const auto& f : node.fields) seen = seen || f.name == field.name;
    if (!seen) node.fields.push_back(field);
  }
  return node_value(add_node(std::move(node)), span);
}

}  // namespace mlf::sema_detail
