#include "stdlib/catalogue.h"

#include <stdexcept>

namespace mlf {

const char* op_kind_name(OpKind kind) {
  switch (kind) {
    case OpKind::Reader: return "reader";
    case OpKind::DatasetOp: return "dataset op";
    case OpKind::Augment: return "augment op";
    case OpKind::Layer: return "layer";
    case OpKind::Block: return "block";
    case OpKind::Loss: return "loss";
    case OpKind::Optimizer: return "optimizer";
    case OpKind::Schedule: return "schedule";
    case OpKind::Metric: return "metric";
    case OpKind::Stage: return "stage";
  }
  return "?";
}

const char* param_type_name(ParamType type) {
  switch (type) {
    case ParamType::Int: return "int";
    case ParamType::Float: return "float";
    case ParamType::Bool: return "bool";
    case ParamType::String: return "string";
    case ParamType::Path: return "path";
    case ParamType::Enum: return "string";
    case ParamType::IntPair: return "int or [int, int]";
    case ParamType::FloatList: return "float or [float]";
    case ParamType::FloatRange: return "[float, float]";
    case ParamType::Dataset: return "dataset";
    case ParamType::DatasetList: return "[dataset]";
    case ParamType::Model: return "model";
    case ParamType::TrainedModel: return "trained model";
    case ParamType::Loss: return "loss";
    case ParamType::Optimizer: return "optimizer";
    case ParamType::Schedule: return "schedule";
    case ParamType::MetricList: return "[metric]";
  }
  return "?";
}

const ParamSpec* OpSpec::param(const std::string& name) const {
  for (const auto& p : params)
    if (p.name == name) return &p;
  return nullptr;
}

const ParamSpec* OpSpec::positional_param() const {
  for (const auto& p : params)
    if (p.positional) return &p;
  return nullptr;
}

void Catalogue::add(OpSpec op) {
  std::string name = op.name;
  if (!ops_.emplace(name, std::move(op)).second)
    throw std::logic_error("op `" + name + "` is registered twice in the catalogue");
}

const OpSpec* Catalogue::find(const std::string& name) const {
  auto it = ops_.find(name);
  return it == ops_.end() ? nullptr : &it->second;
}

std::vector<std::string> Catalogue::names() const {
  std::vector<std::string> out;
  for (const auto& [name, op] : ops_) out.push_back(name);
  return out;
}

std::vector<std::string> Catalogue::names_of(OpKind kind) const {
  std::vector<std::string> out;
  for (const auto& [name, op] : ops_)
    if (op.kind == kind) out.push_back(name);
  return out;
}

const Catalogue& catalogue() {
  static const Catalogue instance = [] {
    Catalogue c;
    register_readers(c);
    register_dataset_ops(c);
    register_augment_ops(c);
    register_layers(c);
    register_losses(c);
    register_optimizers(c);
    register_schedules(c);
    register_metrics(c);
    register_stages(c);
    return c;
  }();
  return instance;
}

}  // namespace mlf
