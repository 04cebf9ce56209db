// The resolved, typed graph of one pipeline: what the checker produces and the hasher,
// the plan writer and `mlf graph` consume.
//
// Promises: every node's inputs precede it in `nodes` (the checker creates inputs first);
// arguments are complete and canonical (catalogue order, defaults filled, inferred layer
// sizes recorded); every file a node reads is listed with its content digest.
// Labels, spans and sweep values are for people only: nothing downstream hashes them.
// Does not: compute hashes (compiler/hash) or order nodes for the plan (compiler/plan).
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "compiler/hash/sha256.h"
#include "compiler/sema/types.h"
#include "compiler/sema/value.h"
#include "stdlib/catalogue.h"

namespace mlf {

enum class NodeKind {
  Read,       // a reader over files
  DatasetOp,  // split, take, shuffle, concat
  Augment,    // a dataset with an augment chain applied (what the fusion pass compiles)
  Train,
  Evaluate,
};

const char* node_kind_name(NodeKind kind);  // "read", "dataset", "augment", "train", "evaluate"

struct FileInput {
  std::string argument;  // the reader's path parameter
  std::string path;      // absolute
  bool directory = false;
  Digest digest;
};

// One op of an augment chain as applied to one dataset.
struct AugmentStep {
  std::shared_ptr<const OpCall> op;
  // Which repetition of the very same op (name and arguments) in this chain this is; with the
  // source dataset's hash it identifies the step without its position, so inserting another
  // op leaves this step's random stream unchanged.
  int occurrence = 0;
  Digest stream;  // derived seed of the step's random stream (zero for deterministic ops)
  SampleType in, out;
};

// One layer of a model with the sizes inferred from the data that reaches it.
struct ModelLayer {
  std::shared_ptr<const OpCall> op;
  std::vector<std::pair<std::string, std::int64_t>> inferred;
  std::vector<ModelLayer> children;  // block layers (residual)
  TensorType in, out;
};

struct Node {
  NodeKind kind = NodeKind::Read;
  std::shared_ptr<const OpCall> call;  // the reader, dataset op or stage call
  std::vector<NodeId> inputs;          // datasets and stages it consumes, in parameter order
  std::vector<FileInput> files;
  std::vector<AugmentStep> chain;  // Augment
  std::vector<ModelLayer> layers;  // Train
  DatasetType dataset;             // Read, DatasetOp, Augment: the samples it yields
  TensorType model_input, model_output;  // Train
  std::vector<MetricField> fields;       // Evaluate: the result record's fields
  bool random = false;
  Digest seed;  // derived seed (Train, shuffle, split by hash); zero when not random
  Digest hash;  // content hash, set by compiler/hash

  // For people only.
  std::string label;  // binding name, with sweep values: `fit[lr=0.001]`
  Span span;
  std::vector<std::pair<std::string, std::string>> sweep_values;
};

// `expect <field> <op> <number>`; an `and` of comparisons becomes several gates.
struct Gate {
  NodeId node = kNoNode;
  std::string field;
  std::string comparison;  // "<", "<=", ">", ">=", "==", "!="
  double threshold = 0.0;
  std::string text;  // as written, for messages
  Span span;
};

struct Export {
  NodeId node = kNoNode;
  std::string path;  // as written, relative to the project root
  Span span;
};

struct Graph {
  std::string pipeline;  // name, for people
  std::int64_t root_seed = 0;
  std::string project_root;  // absolute; plan paths are relative to it where possible
  std::vector<Node> nodes;
  std::vector<Gate> gates;
  std::vector<Export> exports;
};

}  // namespace mlf
