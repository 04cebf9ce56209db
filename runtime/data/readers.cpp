#include "runtime/data/readers.h"

#include "runtime/data/csv_reader.h"
#include "runtime/data/file_bytes.h"
#include "runtime/data/idx_reader.h"
#include "runtime/data/image_folder_reader.h"
#include "runtime/data/npy_reader.h"

namespace mlf::runtime {
namespace {

const PlanFileInput* file_for(const PlanNode& node, const std::string& argument) {
  for (const PlanFileInput& file : node.files)
    if (file.argument == argument) return &file;
  return nullptr;
}

struct Loaded {
  std::string path;
  std::string content;  // gunzipped when `gunzip` and the file is gzip
};

DataResult<Loaded> load(const PlanNode& node, const std::string& argument,
                        const std::string& project_root, bool gunzip) {
  const PlanFileInput* file = file_for(node, argument);
  if (!file)
    return DataError{"the plan gives no file digest for `" + argument + "` of `" +
                     node.call->name + "`; rebuild the plan"};
  Loaded loaded;
  loaded.path = resolve_plan_path(file->path, project_root);
  auto bytes = read_verified_file(loaded.path, file->sha256);
  if (!ok(bytes)) return error(bytes);
  if (!gunzip) {
    loaded.content = std::move(value(bytes));
    return loaded;
  }
  auto content = file_content(loaded.path, std::move(value(bytes)));
  if (!ok(content)) return error(content);
  loaded.content = std::move(value(content));
  return loaded;
}

std::string arg_text(const PlanOp& op, const char* name, const std::string& fallback) {
  const PlanValue* v = op.arg(name);
  return v && (v->kind == PlanValue::Kind::String || v->kind == PlanValue::Kind::Path) ? v->text
                                                                                      : fallback;
}

// The dataset against the node's static type and count.
DataResult<Dataset> checked(const PlanNode& node, Dataset dataset) {
  const std::string what = "`" + node.call->name + "` read";
  if (node.sample) {
    const SampleType& sample = *node.sample;
    std::vector<std::int64_t> dims(dataset.x.shape.begin() + 1, dataset.x.shape.end());
    if (dataset.x.dtype != sample.x.dtype || dims != sample.x.dims)
      return DataError{what + " samples of type " + TensorType{dataset.x.dtype, dims}.str() +
                       " but the plan expects " + sample.x.str()};
    if (sample.y.kind == LabelType::Kind::Class && dataset.classes != sample.y.classes)
      return DataError{what + " " + std::to_string(dataset.classes) +
                       " classes but the plan expects " + std::to_string(sample.y.classes)};
  }
  if (node.count >= 0 && dataset.size() != node.count)
    return DataError{what + " " + std::to_string(dataset.size()) +
                     " samples but the plan expects " + std::to_string(node.count)};
  return dataset;
}

}  // namespace

DataResult<Dataset> read_dataset(const PlanNode& node, const std::string& project_root) {
  if (!node.call) return DataError{"a read node without a reader call"};
  const PlanOp& op = *node.call;
  if (op.name == "idx") {
    auto images = load(node, "images", project_root, true);
    if (!ok(images)) return error(images);
    auto labels = load(node, "labels", project_root, true);
    if (!ok(labels)) return error(labels);
    auto dataset = decode_idx(value(images).path, value(images).content, value(labels).path,
                              value(labels).content);
    if (!ok(dataset)) return dataset;
    return checked(node, std::move(value(dataset)));
  }
  if (op.name == "csv") {
    auto table = load(node, "path", project_root, true);
    if (!ok(table)) return error(table);
    CsvReadOptions options;
    std::string delimiter = arg_text(op, "delimiter", ",");
    if (delimiter.size() != 1)
      return DataError{"`delimiter` must be one character, found \"" + delimiter + "\""};
    options.delimiter = delimiter[0];
    const PlanValue* header = op.arg("header");
    options.header = header && header->kind == PlanValue::Kind::Bool ? header->boolean : true;
    options.label_column = arg_text(op, "label", "");
    auto decoded = decode_csv(value(table).path, value(table).content, options);
    if (!ok(decoded)) return error(decoded);
    return checked(node, std::move(value(decoded).dataset));
  }
  if (op.name == "npy") {
    auto x = load(node, "x", project_root, false);
    if (!ok(x)) return error(x);
    auto y = load(node, "y", project_root, false);
    if (!ok(y)) return error(y);
    std::optional<std::int64_t> classes;
    if (const PlanValue* v = op.arg("classes"); v && v->kind == PlanValue::Kind::Int)
      classes = v->integer;
    auto dataset = decode_npy(value(x).path, value(x).content, value(y).path, value(y).content,
                              classes);
    if (!ok(dataset)) return dataset;
    return checked(node, std::move(value(dataset)));
  }
  if (op.name == "image_folder") {
    const PlanFileInput* file = file_for(node, "root");
    if (!file) return DataError{"the plan gives no tree digest for `root` of `image_folder`"};
    auto dataset = read_image_folder(resolve_plan_path(file->path, project_root), file->sha256);
    if (!ok(dataset)) return dataset;
    return checked(node, std::move(value(dataset)));
  }
  return DataError{"`" + op.name + "` is not a reader this runtime knows"};
}

}  // namespace mlf::runtime
