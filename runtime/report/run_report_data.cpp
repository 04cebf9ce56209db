#include "runtime/report/run_report_data.h"

#include <algorithm>
#include <map>
#include <numeric>
#include <sstream>

#include <toml++/toml.h>

#include "runtime/data/tensor.h"
#include "runtime/exec/weights_codec.h"
#include "runtime/report/sample_image.h"

namespace mlf::runtime {

namespace {

bool object_text(ObjectStore& store, const std::string& hex, std::string& out, std::string& error) {
  Digest digest;
  if (!Digest::from_hex(hex, digest)) {
    error = "`" + hex + "` is not an object digest";
    return false;
  }
  auto bytes = store.get(digest);
  if (!bytes.ok()) {
    error = bytes.error().message;
    return false;
  }
  out = std::move(bytes.value());
  return true;
}

std::vector<EpochRow> parse_log(const std::string& csv) {
  std::vector<EpochRow> rows;
  std::istringstream in(csv);
  std::string line;
  std::getline(in, line);  // header: epoch,loss,learning_rate
  while (std::getline(in, line)) {
    EpochRow row;
    char comma1 = 0, comma2 = 0;
    std::istringstream fields(line);
    if (fields >> row.epoch >> comma1 >> row.loss >> comma2 >> row.learning_rate && comma1 == ',' &&
        comma2 == ',')
      rows.push_back(row);
  }
  return rows;
}

std::vector<std::vector<std::int64_t>> parse_matrix(const std::string& csv) {
  std::vector<std::vector<std::int64_t>> matrix;
  std::istringstream in(csv);
  std::string line;
  while (std::getline(in, line)) {
    if (line.empty()) continue;
    std::vector<std::int64_t> row;
    std::istringstream cells(line);
    std::string cell;
    while (std::getline(cells, cell, ',')) {
      try {
        row.push_back(std::stoll(cell));
      } catch (const std::exception&) {
        return {};
      }
    }
    matrix.push_back(std::move(row));
  }
  for (const auto& row : matrix)
    if (row.size() != matrix.size()) return {};
  return matrix;
}

std::vector<std::vector<std::int64_t>> confusion_of(const Predictions& p) {
  int classes = p.logits.shape.size() == 2 ? static_cast<int>(p.logits.shape[1]) : 0;
  for (auto v : p.labels) classes = std::max(classes, v + 1);
  for (auto v : p.predicted) classes = std::max(classes, v + 1);
  if (classes <= 0 || classes > 1000) return {};
  std::vector<std::vector<std::int64_t>> matrix(classes, std::vector<std::int64_t>(classes, 0));
  for (std::size_t i = 0; i < p.labels.size() && i < p.predicted.size(); ++i)
    if (p.labels[i] >= 0 && p.predicted[i] >= 0) ++matrix[p.labels[i]][p.predicted[i]];
  return matrix;
}

std::string last_token(const std::string& text) {
  auto space = text.rfind(' ');
  return space == std::string::npos ? text : text.substr(space + 1);
}

// The evaluated dataset's bytes: the data node's output as recorded, or its result record.
bool evaluated_dataset(ObjectStore& store, const RunRecord& record, std::size_t data_node,
                       Dataset& out, std::string& error) {
  const NodeRecord& node = record.nodes[data_node];
  std::string hex;
  if (auto it = node.outputs.find("data"); it != node.outputs.end()) hex = it->second;
  if (hex.empty()) {
    auto text = store.read_text("results/" + node.id + ".toml");
    if (text.ok()) {
      try {
        toml::table table = toml::parse(text.value());
        hex = table["outputs"]["data"].value_or(std::string());
      } catch (const toml::parse_error&) {
      }
    }
  }
  if (hex.empty()) {
    error = "the dataset `" + node.label + "` is not stored (it is augmented at random per epoch)";
    return false;
  }
  std::string bytes;
  if (!object_text(store, hex, bytes, error)) return false;
  return deserialize(bytes, out, error);
}

void load_worst(ObjectStore& store, const RunRecord& record, std::size_t node_index,
                const Predictions& predictions, int count, StageView& view,
                const std::vector<std::vector<std::size_t>>& inputs) {
  if (count <= 0 || predictions.losses.empty()) return;
  std::vector<std::size_t> order(predictions.losses.size());
  std::iota(order.begin(), order.end(), std::size_t{0});
  // Highest loss first; ties by index, so the report is the same every time.
  std::stable_sort(order.begin(), order.end(), [&](std::size_t a, std::size_t b) {
    return predictions.losses[a] > predictions.losses[b];
  });
  order.resize(std::min<std::size_t>(order.size(), static_cast<std::size_t>(count)));
  Dataset data;
  std::string error;
  bool have_data = inputs[node_index].size() >= 2 &&
                   evaluated_dataset(store, record, inputs[node_index][1], data, error);
  if (have_data && data.size() != static_cast<std::int64_t>(predictions.losses.size())) {
    have_data = false;
    error = "the stored dataset does not match the predictions";
  }
  if (!have_data && inputs[node_index].size() >= 2) view.notes.push_back("samples not shown: " + error);
  for (std::size_t i : order) {
    SampleView sample;
    sample.index = static_cast<std::int64_t>(i);
    sample.loss = predictions.losses[i];
    sample.label = i < predictions.labels.size() ? predictions.labels[i] : -1;
    sample.predicted = i < predictions.predicted.size() ? predictions.predicted[i] : -1;
    if (have_data) {
      sample.image_uri = sample_image_uri(data.x, sample.index);
      if (sample.image_uri.empty()) sample.features = sample_values(data.x, sample.index, 8);
    }
    view.worst.push_back(std::move(sample));
  }
}

}  // namespace

std::vector<std::vector<std::size_t>> record_inputs(const RunRecord& record) {
  std::map<std::string, std::size_t> by_id;
  for (std::size_t i = 0; i < record.nodes.size(); ++i) by_id[record.nodes[i].id] = i;
  std::vector<std::vector<std::size_t>> inputs(record.nodes.size());
  for (std::size_t i = 0; i < record.nodes.size(); ++i) {
    // input.0, input.1, ... in parameter order (numeric, not lexicographic).
    std::vector<std::pair<int, std::size_t>> found;
    for (const auto& [key, value] : record.nodes[i].identity) {
      if (key.rfind("input.", 0) != 0) continue;
      auto it = by_id.find(last_token(value));
      if (it == by_id.end()) continue;
      try {
        found.emplace_back(std::stoi(key.substr(6)), it->second);
      } catch (const std::exception&) {
      }
    }
    std::sort(found.begin(), found.end());
    for (const auto& [position, node] : found) inputs[i].push_back(node);
  }
  return inputs;
}

std::vector<RunRecord> read_run_records(ObjectStore& store, std::vector<StoreError>* damaged) {
  std::vector<RunRecord> runs;
  auto names = store.list_text("runs");
  if (!names.ok()) return runs;
  for (const auto& name : names.value()) {
    auto text = store.read_text("runs/" + name);
    RunRecord record;
    std::string error;
    if (text.ok() && parse_run_record(text.value(), record, error)) {
      runs.push_back(std::move(record));
    } else if (damaged) {
      const std::string path = store.folder().full("runs/" + name);
      damaged->push_back(text.ok() ? StoreError{StoreError::Kind::Corrupt,
                                                "run record " + backticked(path) + " does not parse: " + error, path}
                                   : text.error());
    }
  }
  std::sort(runs.begin(), runs.end(), [](const RunRecord& a, const RunRecord& b) { return a.id < b.id; });
  return runs;
}

ReportRun load_report_run(ObjectStore& store, const RunRecord& record, int worst_samples) {
  ReportRun out;
  out.record = record;
  auto inputs = record_inputs(out.record);
  for (std::size_t i = 0; i < out.record.nodes.size(); ++i) {
    const NodeRecord& node = out.record.nodes[i];
    if (node.kind != "train" && node.kind != "evaluate") continue;
    StageView view;
    view.node = i;
    std::string bytes, why;
    if (auto log = node.outputs.find("log"); log != node.outputs.end()) {
      if (object_text(store, log->second, bytes, why)) view.log = parse_log(bytes);
      else view.notes.push_back("training log not shown: " + why);
    }
    Predictions predictions;
    bool have_predictions = false;
    if (auto p = node.outputs.find("predictions"); p != node.outputs.end()) {
      have_predictions = object_text(store, p->second, bytes, why) &&
                         decode_predictions(bytes, predictions, why);
      if (!have_predictions) view.notes.push_back("predictions not shown: " + why);
    }
    if (auto c = node.outputs.find("confusion"); c != node.outputs.end()) {
      if (object_text(store, c->second, bytes, why)) view.confusion = parse_matrix(bytes);
      else view.notes.push_back("confusion matrix not shown: " + why);
    }
    if (view.confusion.empty() && have_predictions) view.confusion = confusion_of(predictions);
    if (have_predictions) load_worst(store, out.record, i, predictions, worst_samples, view, inputs);
    out.stages.push_back(std::move(view));
  }
  return out;
}

}  // namespace mlf::runtime
