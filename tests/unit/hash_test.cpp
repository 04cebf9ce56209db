// Content hashing: what a node's hash covers and, as importantly, what it does not.
// Graphs are built by hand from small local op specs so that these laws do not depend on the
// catalogue's current contents; one test walks the real catalogue.

#include <gtest/gtest.h>

#include <map>
#include <set>

#include "compiler/hash/canonical.h"
#include "compiler/hash/content_hash.h"
#include "stdlib/catalogue.h"

namespace mlf {
namespace {

OpSpec spec(std::string name, OpKind kind, bool random = false) {
  OpSpec op;
  op.name = std::move(name);
  op.kind = kind;
  op.version = "1.0.0";
  op.random = random;
  return op;
}

const OpSpec kIdx = spec("idx", OpKind::Reader);
const OpSpec kToFloat = spec("to_float", OpKind::Augment);
const OpSpec kNormalize = spec("normalize", OpKind::Augment);
const OpSpec kHflip = spec("random_hflip", OpKind::Augment, true);
const OpSpec kCrop = spec("random_crop", OpKind::Augment, true);
const OpSpec kShuffle = spec("shuffle", OpKind::DatasetOp, true);
const OpSpec kLinear = spec("linear", OpKind::Layer);
const OpSpec kRelu = spec("relu", OpKind::Layer);
const OpSpec kFlatten = spec("flatten", OpKind::Layer);
const OpSpec kCrossEntropy = spec("cross_entropy", OpKind::Loss);
const OpSpec kAdam = spec("adam", OpKind::Optimizer);
const OpSpec kAccuracy = spec("accuracy", OpKind::Metric);
const OpSpec kTrain = spec("train", OpKind::Stage, true);
const OpSpec kEvaluate = spec("evaluate", OpKind::Stage);

std::shared_ptr<OpCall> call(const OpSpec& op, std::vector<Argument> args = {}) {
  auto out = std::make_shared<OpCall>();
  out->op = &op;
  out->args = std::move(args);
  return out;
}

Value op_value(std::shared_ptr<const OpCall> c) {
  Value v;
  v.kind = Value::Kind::Op;
  v.op = std::move(c);
  return v;
}

Value node_value(NodeId id) {
  Value v;
  v.kind = Value::Kind::Node;
  v.node = id;
  return v;
}

Digest digest_of(const std::string& text) { return Sha256::of(text); }

const SampleType kBytes{TensorType{DType::U8, {1, 28, 28}},
                        LabelType{LabelType::Kind::Class, 10, {}}};
const SampleType kFloats{TensorType{DType::F32, {1, 28, 28}},
                         LabelType{LabelType::Kind::Class, 10, {}}};

Node reader(const std::string& label, const std::string& images, const std::string& labels) {
  Node node;
  node.kind = NodeKind::Read;
  node.call = call(kIdx, {{"images", Value::of_path("/data/" + images)},
                          {"labels", Value::of_path("/data/" + labels)}});
  node.files = {{"images", "/data/" + images, false, digest_of(images)},
                {"labels", "/data/" + labels, false, digest_of(labels)}};
  node.dataset = {kBytes, 60000};
  node.label = label;
  return node;
}

AugmentStep step(const OpSpec& op, std::vector<Argument> args) {
  AugmentStep s;
  s.op = call(op, std::move(args));
  s.in = kFloats;
  s.out = kFloats;
  return s;
}

AugmentStep to_float() { return step(kToFloat, {{"scale", Value::of_float(1.0 / 255)}}); }
AugmentStep normalize() {
  return step(kNormalize, {{"mean", Value::of_float(0.286)}, {"std", Value::of_float(0.353)}});
}
AugmentStep hflip(double p = 0.5) { return step(kHflip, {{"p", Value::of_float(p)}}); }
AugmentStep crop() { return step(kCrop, {{"size", Value::of_int(24)}}); }

Node augment(NodeId source, std::vector<AugmentStep> chain, const std::string& label) {
  Node node;
  node.kind = NodeKind::Augment;
  node.inputs = {source};
  node.chain = std::move(chain);
  node.dataset = {kFloats, 60000};
  node.label = label;
  return node;
}

Node train(NodeId data, std::int64_t hidden = 128) {
  Node node;
  node.kind = NodeKind::Train;
  Value model;
  model.kind = Value::Kind::Model;
  model.ops = {call(kFlatten), call(kLinear, {{"out", Value::of_int(hidden)}}), call(kRelu),
               call(kLinear, {{"out", Value::of_int(10)}})};
  node.call = call(kTrain, {{"model", model},
                            {"data", node_value(data)},
                            {"loss", op_value(call(kCrossEntropy))},
                            {"optimizer", op_value(call(kAdam, {{"lr", Value::of_float(1e-3)}}))},
                            {"epochs", Value::of_int(5)},
                            {"batch", Value::of_int(128)}});
  node.inputs = {data};
  node.layers = {{model.ops[0], {}, {}, {}, {}},
                 {model.ops[1], {{"in", 784}}, {}, {}, {}},
                 {model.ops[2], {}, {}, {}, {}},
                 {model.ops[3], {{"in", hidden}}, {}, {}, {}}};
  node.model_input = kFloats.x;
  node.model_output = TensorType{DType::F32, {10}};
  node.random = true;
  node.label = "fit";
  return node;
}

Node evaluate(NodeId model, NodeId data) {
  Node node;
  node.kind = NodeKind::Evaluate;
  Value metrics;
  metrics.kind = Value::Kind::List;
  metrics.items = {op_value(call(kAccuracy))};
  node.call = call(
      kEvaluate, {{"model", node_value(model)}, {"data", node_value(data)}, {"metrics", metrics}});
  node.inputs = {model, data};
  node.fields = {{"accuracy", true, "float"}};
  node.label = "score";
  return node;
}

// 0 train data, 1 test data, 2 train |> jitter, 3 test |> prep, 4 fit, 5 score
enum : NodeId { kTrainData, kTestData, kJitter, kPrep, kFit, kScore };

Graph fashion(std::int64_t seed = 42) {
  Graph graph;
  graph.pipeline = "fashion";
  graph.root_seed = seed;
  graph.project_root = "/data";
  graph.nodes.push_back(reader("train", "train-images.gz", "train-labels.gz"));
  graph.nodes.push_back(reader("test", "t10k-images.gz", "t10k-labels.gz"));
  graph.nodes.push_back(augment(kTrainData, {to_float(), normalize(), hflip()}, "train |> jitter"));
  graph.nodes.push_back(augment(kTestData, {to_float(), normalize()}, "test |> prep"));
  graph.nodes.push_back(train(kJitter));
  graph.nodes.push_back(evaluate(kFit, kPrep));
  return graph;
}

std::vector<Digest> hashes(Graph graph) {
  hash_graph(graph);
  std::vector<Digest> out;
  for (const auto& node : graph.nodes) out.push_back(node.hash);
  return out;
}

Graph hashed(Graph graph) {
  hash_graph(graph);
  return graph;
}

// Which nodes' hashes differ between two graphs of the same shape.
std::set<NodeId> changed(const Graph& a, const Graph& b) {
  auto ha = hashes(a), hb = hashes(b);
  std::set<NodeId> out;
  for (NodeId i = 0; i < ha.size(); ++i)
    if (ha[i] != hb[i]) out.insert(i);
  return out;
}

TEST(HashGraph, SameGraphGivesSameHashesAndIsIdempotent) {
  Graph graph = hashed(fashion());
  EXPECT_EQ(hashes(fashion()), hashes(fashion()));
  std::set<Digest> distinct;
  for (const auto& node : graph.nodes) {
    EXPECT_NE(node.hash, Digest{});
    distinct.insert(node.hash);
  }
  EXPECT_EQ(distinct.size(), graph.nodes.size());
  std::vector<Digest> before;
  for (const auto& node : graph.nodes) before.push_back(node.hash);
  EXPECT_EQ(hashes(graph), before);  // hashing a hashed graph changes nothing
}

TEST(HashGraph, LabelsSpansAndSweepValuesAreNotHashed) {
  Graph other = fashion();
  other.pipeline = "renamed";
  for (auto& node : other.nodes) {
    node.label = "renamed_" + node.label;
    node.span = Span{3, 10, 20};
    node.sweep_values = {{"lr", "0.1"}};
    if (node.call) {
      auto c = std::make_shared<OpCall>(*node.call);
      c->span = Span{1, 2, 3};
      for (auto& arg : c->args) {
        arg.value.span = Span{1, 5, 6};
        arg.defaulted = !arg.defaulted;
      }
      node.call = c;
    }
  }
  other.gates.push_back(Gate{kScore, "accuracy", ">=", 0.9, "score.accuracy >= 0.9", {}});
  other.exports.push_back(Export{kFit, "out/cnn.pt", {}});
  EXPECT_EQ(hashes(fashion()), hashes(other));
}

TEST(HashGraph, FileDigestChangesThisNodeAndEverythingDownstream) {
  Graph other = fashion();
  other.nodes[kTrainData].files[0].digest = digest_of("other images");
  EXPECT_EQ(changed(fashion(), other), (std::set<NodeId>{kTrainData, kJitter, kFit, kScore}));
}

TEST(HashGraph, PathTextIsNotHashedOnlyTheDigest) {
  Graph other = fashion();
  Node& node = other.nodes[kTrainData];
  node.files[0].path = "/elsewhere/train-images.gz";
  auto c = std::make_shared<OpCall>(*node.call);
  c->args[0].value = Value::of_path("/elsewhere/train-images.gz");
  node.call = c;
  EXPECT_TRUE(changed(fashion(), other).empty());
}

TEST(HashGraph, FileOrderDoesNotMatterButArgumentNamesDo) {
  Graph reordered = fashion();
  std::swap(reordered.nodes[kTrainData].files[0], reordered.nodes[kTrainData].files[1]);
  EXPECT_TRUE(changed(fashion(), reordered).empty());
  Graph swapped = fashion();
  std::swap(swapped.nodes[kTrainData].files[0].digest, swapped.nodes[kTrainData].files[1].digest);
  EXPECT_TRUE(changed(fashion(), swapped).count(kTrainData));
}

TEST(HashGraph, RootSeedChangesRandomWorkAndItsConsumersOnly) {
  Graph a = hashed(fashion(42)), b = hashed(fashion(43));
  EXPECT_EQ(changed(fashion(42), fashion(43)), (std::set<NodeId>{kJitter, kFit, kScore}));
  EXPECT_NE(a.nodes[kFit].seed, b.nodes[kFit].seed);
  EXPECT_NE(a.nodes[kJitter].chain[2].stream, b.nodes[kJitter].chain[2].stream);
  EXPECT_EQ(a.nodes[kTrainData].hash, b.nodes[kTrainData].hash);
  EXPECT_EQ(a.nodes[kPrep].hash, b.nodes[kPrep].hash);
}

TEST(HashGraph, SeedsDeriveFromRootSeedAndIdentity) {
  Graph graph = hashed(fashion());
  const Node& fit = graph.nodes[kFit];
  EXPECT_EQ(fit.seed, derive_seed(42, node_identity(graph, fit)));
  EXPECT_NE(fit.seed, Digest{});
  EXPECT_NE(node_identity(graph, fit), fit.hash);  // the identity has a zero seed
  for (NodeId id : {kTrainData, kTestData, kJitter, kPrep, kScore}) {
    EXPECT_EQ(graph.nodes[id].seed, Digest{}) << id;
    EXPECT_EQ(node_identity(graph, graph.nodes[id]), graph.nodes[id].hash) << id;
  }
  // Deterministic steps keep a zero stream; the random one gets its own.
  const auto& chain = graph.nodes[kJitter].chain;
  EXPECT_EQ(chain[0].stream, Digest{});
  EXPECT_EQ(chain[1].stream, Digest{});
  EXPECT_NE(chain[2].stream, Digest{});
  EXPECT_EQ(chain[2].stream,
            derive_stream(42, graph.nodes[kTrainData].hash, canonical_call(*chain[2].op), 0));
}

TEST(HashGraph, RandomDatasetOpGetsASeed) {
  Graph graph = fashion();
  Node shuffled;
  shuffled.kind = NodeKind::DatasetOp;
  shuffled.call = call(kShuffle);
  shuffled.inputs = {kTrainData};
  shuffled.random = true;
  graph.nodes.push_back(shuffled);
  Graph a = hashed(graph);
  graph.root_seed = 7;
  Graph b = hashed(graph);
  EXPECT_NE(a.nodes.back().seed, Digest{});
  EXPECT_NE(a.nodes.back().hash, b.nodes.back().hash);
}

TEST(HashGraph, InsertingAStepLeavesOtherStreamsUnchanged) {
  Graph before = fashion();
  before.nodes[kJitter].chain = {to_float(), hflip(), normalize(), crop()};
  Graph after = fashion();
  after.nodes[kJitter].chain = {crop(), to_float(), hflip(0.25), hflip(), normalize()};
  Graph a = hashed(before), b = hashed(after);
  const auto& ca = a.nodes[kJitter].chain;
  const auto& cb = b.nodes[kJitter].chain;
  EXPECT_EQ(ca[1].stream, cb[3].stream);  // hflip(0.5)
  EXPECT_EQ(ca[3].stream, cb[0].stream);  // crop
  EXPECT_NE(cb[2].stream, cb[3].stream);  // hflip(0.25) is another op
  EXPECT_NE(a.nodes[kJitter].hash, b.nodes[kJitter].hash);
  EXPECT_EQ(a.nodes[kPrep].hash, b.nodes[kPrep].hash);
}

TEST(HashGraph, IdenticalRandomStepsInOneChainGetDifferentStreams) {
  Graph graph = fashion();
  graph.nodes[kJitter].chain = {to_float(), hflip(), normalize(), hflip()};
  graph.nodes[kJitter].chain[3].occurrence = 7;  // recomputed from its definition
  hash_graph(graph);
  const auto& chain = graph.nodes[kJitter].chain;
  EXPECT_EQ(chain[1].occurrence, 0);
  EXPECT_EQ(chain[3].occurrence, 1);
  EXPECT_NE(chain[1].stream, Digest{});
  EXPECT_NE(chain[1].stream, chain[3].stream);
}

TEST(HashGraph, StreamsDependOnTheSourceDataset) {
  Graph graph = fashion();
  graph.nodes[kPrep].chain.push_back(hflip());
  hash_graph(graph);
  EXPECT_NE(graph.nodes[kPrep].chain[2].stream, graph.nodes[kJitter].chain[2].stream);
}

TEST(HashGraph, ModelArgumentsAndInferredSizesAreHashed) {
  Graph wider = fashion();
  wider.nodes[kFit] = train(kJitter, 256);
  EXPECT_EQ(changed(fashion(), wider), (std::set<NodeId>{kFit, kScore}));

  Graph inferred = fashion();
  inferred.nodes[kFit].layers[1].inferred = {{"in", 785}};
  EXPECT_EQ(changed(fashion(), inferred), (std::set<NodeId>{kFit, kScore}));

  Graph version = fashion();
  OpSpec adam2 = kAdam;
  adam2.version = "1.1.0";
  auto c = std::make_shared<OpCall>(*version.nodes[kFit].call);
  c->args[3].value = op_value(call(adam2, {{"lr", Value::of_float(1e-3)}}));
  version.nodes[kFit].call = c;
  EXPECT_EQ(changed(fashion(), version), (std::set<NodeId>{kFit, kScore}));
}

TEST(HashGraph, InputOrderMatters) {
  Graph swapped = fashion();
  swapped.nodes[kScore].inputs = {kPrep, kFit};
  EXPECT_EQ(changed(fashion(), swapped), (std::set<NodeId>{kScore}));
}

TEST(HashGraph, AnInputThatDoesNotPrecedeIsAnInternalError) {
  Graph graph = fashion();
  graph.nodes[kTrainData].inputs = {kScore};
  EXPECT_THROW(hash_graph(graph), std::logic_error);
}

TEST(HashCanonical, EncodingIsTypedAndUnambiguous) {
  EXPECT_EQ(canonical_value(Value::of_int(42)), "i:42;");
  EXPECT_EQ(canonical_value(Value::of_float(1.0)), "f:1.0;");
  EXPECT_EQ(canonical_value(Value::of_float(1e-3)), "f:0.001;");
  EXPECT_EQ(canonical_value(Value::of_bool(true)), "b:1;");
  EXPECT_EQ(canonical_value(Value::of_string("ab")), "s:2:ab");
  EXPECT_EQ(canonical_value(Value::of_path("/any/where")), "p:path;");
  EXPECT_NE(canonical_value(Value::of_int(1)), canonical_value(Value::of_float(1.0)));
  EXPECT_NE(canonical_value(Value::of_string("1")), canonical_value(Value::of_int(1)));
  EXPECT_NE(canonical_value(Value::of_string("path")), canonical_value(Value::of_path("x")));

  // Length prefixes keep names and values apart: a=bc is not ab=c.
  auto one = call(kNormalize, {{"a", Value::of_string("bc")}});
  auto two = call(kNormalize, {{"ab", Value::of_string("c")}});
  EXPECT_NE(canonical_call(*one), canonical_call(*two));

  Value nested;
  nested.kind = Value::Kind::List;
  nested.items = {Value::of_int(1), Value::of_int(2)};
  Value flat;
  flat.kind = Value::Kind::List;
  flat.items = {nested};
  EXPECT_EQ(canonical_value(nested), "l:2[i:1;i:2;]");
  EXPECT_NE(canonical_value(nested), canonical_value(flat));

  EXPECT_EQ(canonical_call(*call(kAdam, {{"lr", Value::of_float(0.5)}})),
            "4:adam@5:1.0.0(1:2:lr=f:0.5;)[0:]");
  EXPECT_EQ(canonical_type(kFloats.x), "t:12:f32[1,28,28]");
}

TEST(HashCanonical, AbsentOptionalArgumentsAreLeftOut) {
  auto without = call(kAdam, {{"lr", Value::of_float(0.5)}});
  auto with_none = call(kAdam, {{"lr", Value::of_float(0.5)}, {"decay", Value::none()}});
  EXPECT_EQ(canonical_call(*without), canonical_call(*with_none));
  auto with_value = call(kAdam, {{"lr", Value::of_float(0.5)}, {"decay", Value::of_float(0.0)}});
  EXPECT_NE(canonical_call(*without), canonical_call(*with_value));
}

TEST(HashCanonical, NodeReferencesEncodeTheReferencedHash) {
  Digest a = digest_of("a"), b = digest_of("b");
  NodeHashLookup first = [&](NodeId) { return a; };
  NodeHashLookup second = [&](NodeId) { return b; };
  EXPECT_NE(canonical_value(node_value(0), first), canonical_value(node_value(0), second));
  EXPECT_EQ(canonical_value(node_value(0), first), canonical_value(node_value(5), first));
}

// A well-typed value for a parameter without a default.
Value sample_value(const ParamSpec& param) {
  switch (param.type) {
    case ParamType::Int:
      return Value::of_int(param.min ? static_cast<std::int64_t>(*param.min) + 1 : 1);
    case ParamType::Float:
      return Value::of_float(0.5);
    case ParamType::Bool:
      return Value::of_bool(false);
    case ParamType::String:
      return Value::of_string("a");
    case ParamType::Enum:
      return Value::of_string(param.choices.empty() ? "a" : param.choices.front());
    case ParamType::Path:
      return Value::of_path("/data/file");
    case ParamType::IntPair:
      return Value::of_int(2);
    case ParamType::FloatList:
      return Value::of_float(0.5);
    case ParamType::FloatRange: {
      Value range;
      range.kind = Value::Kind::List;
      range.items = {Value::of_float(0.1), Value::of_float(0.2)};
      return range;
    }
    default:
      return node_value(0);
  }
}

// The same value with one scalar changed; nullopt when the type has no scalar to change.
std::optional<Value> flipped(const ParamSpec& param, Value value) {
  switch (value.kind) {
    case Value::Kind::Int:
      value.integer += 1;
      return value;
    case Value::Kind::Float:
      value.real = value.real * 2 + 1;
      return value;
    case Value::Kind::Bool:
      value.boolean = !value.boolean;
      return value;
    case Value::Kind::String:
      for (const auto& choice : param.choices)
        if (choice != value.text) {
          value.text = choice;
          return value;
        }
      value.text += "x";
      return value;
    case Value::Kind::List:
      if (value.items.empty()) return std::nullopt;
      if (auto item = flipped(param, value.items.front())) {
        value.items.front() = *item;
        return value;
      }
      return std::nullopt;
    default:
      return std::nullopt;
  }
}

TEST(HashCanonical, EveryScalarParameterOfEveryCatalogueOpIsEncoded) {
  NodeHashLookup nodes = [](NodeId) { return Digest{}; };
  std::size_t ops = 0, flips = 0;
  for (const auto& [name, op] : catalogue().ops()) {
    ++ops;
    OpCall base;
    base.op = &op;
    for (const auto& param : op.params)
      base.args.push_back({param.name, param.default_value.value_or(sample_value(param)), true});
    std::string encoded = canonical_call(base, nodes);
    EXPECT_NE(encoded.find(op.name), std::string::npos) << name;
    EXPECT_NE(encoded.find(op.version), std::string::npos) << name;
    for (std::size_t i = 0; i < op.params.size(); ++i) {
      const ParamSpec& param = op.params[i];
      bool scalar = param.type == ParamType::Int || param.type == ParamType::Float ||
                    param.type == ParamType::Bool || param.type == ParamType::String ||
                    param.type == ParamType::Enum || param.type == ParamType::IntPair ||
                    param.type == ParamType::FloatList || param.type == ParamType::FloatRange;
      if (!scalar) continue;
      auto changed_value = flipped(param, base.args[i].value);
      ASSERT_TRUE(changed_value) << name << "." << param.name;
      OpCall other = base;
      other.args[i].value = *changed_value;
      ++flips;
      EXPECT_NE(canonical_call(other, nodes), encoded) << name << "." << param.name;
    }
    // A path's text never enters the encoding.
    for (std::size_t i = 0; i < op.params.size(); ++i)
      if (op.params[i].type == ParamType::Path) {
        OpCall other = base;
        other.args[i].value = Value::of_path("/somewhere/else");
        EXPECT_EQ(canonical_call(other, nodes), encoded) << name << "." << op.params[i].name;
      }
  }
  EXPECT_GT(ops, 0u);
  EXPECT_GT(flips, 0u);
}

}  // namespace
}  // namespace mlf
