// The plan: canonical bytes, an order that ignores declaration order, an id that ignores
// labels, the exact text of a small plan, and a lossless write → read → write round trip.
// Graphs are built by hand from local op specs so the golden text does not move when the
// catalogue does.

#include "compiler/plan/plan.h"

#include <gtest/gtest.h>

#include <algorithm>

#include "compiler/hash/canonical.h"
#include "compiler/hash/content_hash.h"
#include "compiler/plan/node_order.h"
#include "compiler/plan/plan_reader.h"
#include "compiler/plan/plan_writer.h"
#include "stdlib/catalogue.h"

namespace mlf {
namespace {

OpSpec spec(std::string name, OpKind kind, bool random = false, std::string version = "1.0.0") {
  OpSpec op;
  op.name = std::move(name);
  op.kind = kind;
  op.version = std::move(version);
  op.random = random;
  return op;
}

const OpSpec kIdx = spec("idx", OpKind::Reader);
const OpSpec kCsv = spec("csv", OpKind::Reader, false, "2.1.0");
const OpSpec kShuffle = spec("shuffle", OpKind::DatasetOp, true);
const OpSpec kConcat = spec("concat", OpKind::DatasetOp);
const OpSpec kToFloat = spec("to_float", OpKind::Augment);
const OpSpec kNormalize = spec("normalize", OpKind::Augment);
const OpSpec kHflip = spec("random_hflip", OpKind::Augment, true);
const OpSpec kConv = spec("conv2d", OpKind::Layer);
const OpSpec kRelu = spec("relu", OpKind::Layer);
const OpSpec kFlatten = spec("flatten", OpKind::Layer);
const OpSpec kLinear = spec("linear", OpKind::Layer);
const OpSpec kResidual = spec("residual", OpKind::Block);
const OpSpec kCrossEntropy = spec("cross_entropy", OpKind::Loss);
const OpSpec kAdam = spec("adam", OpKind::Optimizer);
const OpSpec kAccuracy = spec("accuracy", OpKind::Metric);
const OpSpec kMacroF1 = spec("macro_f1", OpKind::Metric);
const OpSpec kTrain = spec("train", OpKind::Stage, true);
const OpSpec kEvaluate = spec("evaluate", OpKind::Stage);

using Call = std::shared_ptr<const OpCall>;

Call call(const OpSpec& op, std::vector<Argument> args = {}, std::vector<Call> children = {}) {
  auto out = std::make_shared<OpCall>();
  out->op = &op;
  out->args = std::move(args);
  out->children = std::move(children);
  return out;
}

Value op_value(Call c) {
  Value v;
  v.kind = Value::Kind::Op;
  v.op = std::move(c);
  return v;
}

Value list(std::vector<Value> items) {
  Value v;
  v.kind = Value::Kind::List;
  v.items = std::move(items);
  return v;
}

Value node_value(NodeId id, Value::Kind kind = Value::Kind::Node, std::string field = {}) {
  Value v;
  v.kind = kind;
  v.node = id;
  v.text = std::move(field);
  return v;
}

const LabelType kTen{LabelType::Kind::Class, 10, {}};
const SampleType kBytes{TensorType{DType::U8, {1, 28, 28}}, kTen};
const SampleType kFloats{TensorType{DType::F32, {1, 28, 28}}, kTen};

Node reader(const std::string& label, const std::string& root, const std::string& images,
            const std::string& labels, std::int64_t count) {
  Node node;
  node.kind = NodeKind::Read;
  node.call = call(
      kIdx, {{"images", Value::of_path(root + images)}, {"labels", Value::of_path(root + labels)}});
  node.files = {{"images", root + images, false, Sha256::of(images)},
                {"labels", root + labels, false, Sha256::of(labels)}};
  node.dataset = {kBytes, count};
  node.label = label;
  return node;
}

AugmentStep step(const OpSpec& op, std::vector<Argument> args, SampleType in, SampleType out) {
  AugmentStep s;
  s.op = call(op, std::move(args));
  s.in = in;
  s.out = out;
  return s;
}

AugmentStep to_float() {
  return step(kToFloat, {{"scale", Value::of_float(1.0 / 255)}}, kBytes, kFloats);
}
AugmentStep normalize() {
  return step(kNormalize, {{"mean", Value::of_float(0.286)}, {"std", Value::of_float(0.353)}},
              kFloats, kFloats);
}
AugmentStep hflip() { return step(kHflip, {{"p", Value::of_float(0.5)}}, kFloats, kFloats); }

Node augment(NodeId source, std::vector<AugmentStep> chain, const std::string& label,
             std::int64_t count) {
  Node node;
  node.kind = NodeKind::Augment;
  node.inputs = {source};
  node.chain = std::move(chain);
  node.dataset = {kFloats, count};
  node.label = label;
  return node;
}

TensorType f32(std::vector<std::int64_t> dims) { return TensorType{DType::F32, std::move(dims)}; }

Node train(NodeId data, double lr, const std::string& label) {
  Node node;
  node.kind = NodeKind::Train;
  Call conv = call(kConv, {{"out", Value::of_int(8)},
                           {"kernel", Value::of_int(3)},
                           {"padding", list({Value::of_int(1), Value::of_int(1)})},
                           {"bias", Value::of_bool(true)}});
  Call inner_conv = call(kConv, {{"out", Value::of_int(8)},
                                 {"kernel", Value::of_int(3)},
                                 {"padding", list({Value::of_int(1), Value::of_int(1)})},
                                 {"bias", Value::of_bool(false)}});
  Call residual = call(kResidual, {}, {inner_conv, call(kRelu)});
  Call linear = call(kLinear, {{"out", Value::of_int(10)}, {"bias", Value::of_bool(true)}});
  Value model;
  model.kind = Value::Kind::Model;
  model.ops = {conv, residual, call(kFlatten), linear};
  node.call = call(kTrain, {{"model", model},
                            {"data", node_value(data)},
                            {"loss", op_value(call(kCrossEntropy))},
                            {"optimizer", op_value(call(kAdam, {{"lr", Value::of_float(lr)}}))},
                            {"schedule", Value::none()},
                            {"epochs", Value::of_int(2)},
                            {"batch", Value::of_int(128)}});
  node.inputs = {data};
  ModelLayer first{conv, {{"in_channels", 1}}, {}, f32({1, 28, 28}), f32({8, 28, 28})};
  ModelLayer block{residual, {}, {}, f32({8, 28, 28}), f32({8, 28, 28})};
  block.children = {{inner_conv, {{"in_channels", 8}}, {}, f32({8, 28, 28}), f32({8, 28, 28})},
                    {block.op->children[1], {}, {}, f32({8, 28, 28}), f32({8, 28, 28})}};
  node.layers = {first,
                 block,
                 {model.ops[2], {}, {}, f32({8, 28, 28}), f32({6272})},
                 {linear, {{"in", 6272}}, {}, f32({6272}), f32({10})}};
  node.model_input = kFloats.x;
  node.model_output = f32({10});
  node.dataset = {kFloats, 60000};
  node.random = true;
  node.label = label;
  return node;
}

Node evaluate(NodeId model, NodeId data, const std::string& label) {
  Node node;
  node.kind = NodeKind::Evaluate;
  node.call =
      call(kEvaluate, {{"model", node_value(model)},
                       {"data", node_value(data)},
                       {"metrics", list({op_value(call(kAccuracy)), op_value(call(kMacroF1))})}});
  node.inputs = {model, data};
  node.fields = {{"accuracy", true, "float"}, {"macro_f1", true, "float"}};
  node.label = label;
  return node;
}

// The pipeline of the language brief, with a sweep over two learning rates: the data and
// its chains are shared by both sweep points. `order` permutes the creation order of
// independent nodes (inputs still come first).
Graph fashion_sweep(bool reversed = false) {
  Graph graph;
  graph.pipeline = "fashion";
  graph.root_seed = 42;
  graph.project_root = "/proj";
  auto add = [&](Node node) {
    graph.nodes.push_back(std::move(node));
    return static_cast<NodeId>(graph.nodes.size() - 1);
  };
  NodeId train_data = 0, test_data = 0;
  if (!reversed) {
    train_data = add(reader("train", "/proj/data/", "train-images.gz", "train-labels.gz", 60000));
    test_data = add(reader("test", "/usr/share/", "t10k-images.gz", "t10k-labels.gz", 10000));
  } else {
    test_data = add(reader("test", "/usr/share/", "t10k-images.gz", "t10k-labels.gz", 10000));
    train_data = add(reader("train", "/proj/data/", "train-images.gz", "train-labels.gz", 60000));
  }
  std::vector<double> rates = {0.001, 0.01};
  if (reversed) std::reverse(rates.begin(), rates.end());
  for (double lr : rates) {
    std::string suffix = lr == 0.001 ? "[lr=0.001]" : "[lr=0.01]";
    std::string value = lr == 0.001 ? "0.001" : "0.01";
    NodeId prep = 0, jitter = 0;
    if (!reversed) {
      jitter = add(augment(train_data, {to_float(), normalize(), hflip(), hflip()},
                           "train |> jitter", 60000));
      prep = add(augment(test_data, {to_float(), normalize()}, "test |> prep", 10000));
    } else {
      prep = add(augment(test_data, {to_float(), normalize()}, "test |> prep", 10000));
      jitter = add(augment(train_data, {to_float(), normalize(), hflip(), hflip()},
                           "train |> jitter", 60000));
    }
    NodeId fit = add(train(jitter, lr, "fit" + suffix));
    graph.nodes[fit].sweep_values = {{"lr", value}};
    NodeId score = add(evaluate(fit, prep, "score" + suffix));
    graph.nodes[score].sweep_values = {{"lr", value}};
    graph.gates.push_back(
        Gate{score, "accuracy", ">=", 0.9, "score" + suffix + ".accuracy >= 0.90", {}});
    graph.exports.push_back(Export{fit, "out/cnn" + suffix + ".pt", {}});
  }
  if (reversed) {
    std::reverse(graph.gates.begin(), graph.gates.end());
    std::reverse(graph.exports.begin(), graph.exports.end());
  }
  hash_graph(graph);
  return graph;
}

TEST(PlanWriter, SameGraphGivesByteIdenticalPlans) {
  PlanText a = write_plan(fashion_sweep()), b = write_plan(fashion_sweep());
  EXPECT_EQ(a.body, b.body);
  EXPECT_EQ(a.labels, b.labels);
  EXPECT_EQ(a.id, b.id);
  EXPECT_EQ(a.id, Sha256::of(a.body));
}

TEST(PlanWriter, OrderDoesNotDependOnCreationOrder) {
  PlanText a = write_plan(fashion_sweep(false)), b = write_plan(fashion_sweep(true));
  EXPECT_EQ(a.body, b.body);
  EXPECT_EQ(a.labels, b.labels);
  EXPECT_EQ(a.id, b.id);
}

TEST(PlanWriter, SharedWorkAppearsOnceAndDepthOrdersNodes) {
  Graph graph = fashion_sweep();
  Plan plan = build_plan(graph);
  // 2 reads and 2 chains shared by both sweep points, then 2 trains and 2 evaluations.
  std::vector<std::string> kinds;
  for (const auto& node : plan.nodes) kinds.push_back(node.kind);
  EXPECT_EQ(kinds, (std::vector<std::string>{"read", "read", "augment", "augment", "train", "train",
                                             "evaluate", "evaluate"}));
  auto first_of = [&](const std::string& kind) {
    std::size_t first = 0;
    while (plan.nodes[first].kind != kind) ++first;
    return first;
  };
  EXPECT_LT(first_of("read"), first_of("augment"));
  EXPECT_LT(first_of("augment"), first_of("train"));
  EXPECT_LT(first_of("train"), first_of("evaluate"));
  for (std::size_t i = 0; i < plan.nodes.size(); ++i)
    for (const auto& input : plan.nodes[i].inputs) {
      auto at = std::find_if(plan.nodes.begin(), plan.nodes.end(),
                             [&](const PlanNode& n) { return n.id == input; });
      ASSERT_NE(at, plan.nodes.end());
      EXPECT_LT(static_cast<std::size_t>(at - plan.nodes.begin()), i);
    }
  // The shared chains carry both sweep points' labels under one id.
  std::size_t jitter_labels = 0;
  for (const auto& label : plan.labels) jitter_labels += label.label == "train |> jitter";
  EXPECT_EQ(jitter_labels, 1u);  // identical labels collapse; sweep points differ only above
  EXPECT_EQ(plan.gates.size(), 2u);
  EXPECT_EQ(plan.exports.size(), 2u);
}

TEST(PlanWriter, LabelsAreNotPartOfTheId) {
  Graph renamed = fashion_sweep();
  renamed.pipeline = "mnist";
  for (auto& node : renamed.nodes) {
    node.label = "x_" + node.label;
    node.span = Span{0, 1, 2};
    for (auto& [name, value] : node.sweep_values) name = "rate";
  }
  for (auto& gate : renamed.gates) gate.text = "renamed";
  PlanText a = write_plan(fashion_sweep()), b = write_plan(renamed);
  EXPECT_EQ(a.body, b.body);
  EXPECT_EQ(a.id, b.id);
  EXPECT_NE(a.labels, b.labels);
  EXPECT_EQ(plan_id_of_file(plan_file_text(b.body, b.labels)), a.id);
}

TEST(PlanWriter, MovingTheProjectKeepsTheIdButMovingOutsideFilesDoesNot) {
  Graph moved = fashion_sweep();
  moved.project_root = "/elsewhere";
  for (auto& node : moved.nodes) {
    for (auto& file : node.files)
      if (file.path.rfind("/proj/", 0) == 0) file.path = "/elsewhere/" + file.path.substr(6);
    if (node.kind == NodeKind::Read && node.call) {
      auto c = std::make_shared<OpCall>(*node.call);
      for (auto& arg : c->args)
        if (arg.value.text.rfind("/proj/", 0) == 0)
          arg.value.text = "/elsewhere/" + arg.value.text.substr(6);
      node.call = c;
    }
  }
  PlanText a = write_plan(fashion_sweep()), b = write_plan(moved);
  EXPECT_EQ(a.body, b.body);
  EXPECT_NE(a.body.find("path = \"data/train-images.gz\""), std::string::npos);
  EXPECT_NE(a.body.find("path = \"/usr/share/t10k-images.gz\""), std::string::npos);
}

TEST(PlanWriter, CopiesOfOneFileBecomeOneNodeWhateverTheOrder) {
  auto build = [](bool y_first) {
    Graph graph;
    graph.project_root = "/proj";
    Node x = reader("x", "/proj/x/", "images.gz", "labels.gz", 10);
    Node y = reader("y", "/proj/y/", "images.gz", "labels.gz", 10);  // same bytes elsewhere
    graph.nodes = y_first ? std::vector<Node>{y, x} : std::vector<Node>{x, y};
    hash_graph(graph);
    return write_plan(graph);
  };
  PlanText a = build(false), b = build(true);
  EXPECT_EQ(a.body, b.body);
  EXPECT_EQ(a.labels, b.labels);
  EXPECT_NE(a.body.find("\"x/images.gz\""), std::string::npos);
  EXPECT_EQ(a.body.find("\"y/images.gz\""), std::string::npos);
  EXPECT_NE(a.labels.find("label = \"y\""), std::string::npos);
}

TEST(PlanWriter, UnhashedGraphIsAnInternalError) {
  Graph graph = fashion_sweep();
  graph.nodes[0].hash = Digest{};
  EXPECT_THROW(write_plan(graph), std::logic_error);
}

TEST(PlanFile, IdOfFileCoversTheBodyOnly) {
  PlanText plan = write_plan(fashion_sweep());
  std::string file = plan_file_text(plan.body, plan.labels);
  EXPECT_EQ(plan_body_of_file(file), plan.body);
  EXPECT_EQ(plan_id_of_file(file), plan.id);
  EXPECT_EQ(plan_id_of_file(plan.body), plan.id);  // no labels at all
  EXPECT_EQ(plan.labels.rfind(std::string(kLabelsMarker) + "\n", 0), 0u);
  std::string relabelled = file;
  relabelled.replace(relabelled.find("pipeline = \"fashion\""), 20, "pipeline = \"another\"");
  EXPECT_EQ(plan_id_of_file(relabelled), plan.id);
}

TEST(PlanFile, RelativePaths) {
  EXPECT_EQ(plan_relative_path("/proj/data/a.gz", "/proj"), "data/a.gz");
  EXPECT_EQ(plan_relative_path("/proj/data/a.gz", "/proj/"), "data/a.gz");
  EXPECT_EQ(plan_relative_path("/project/a.gz", "/proj"), "/project/a.gz");
  EXPECT_EQ(plan_relative_path("/proj/../etc/a", "/proj"), "/proj/../etc/a");
  EXPECT_EQ(plan_relative_path("/a/b", ""), "/a/b");
  EXPECT_EQ(resolve_plan_path("data/a.gz", "/proj"), "/proj/data/a.gz");
  EXPECT_EQ(resolve_plan_path("/abs/a.gz", "/proj"), "/abs/a.gz");
}

TEST(PlanFile, TypeTextsParseBack) {
  for (const char* text : {"u8[1,28,28]", "f32[]", "f64[3]", "i64[10,10]"}) {
    auto type = parse_tensor_type(text);
    ASSERT_TRUE(type) << text;
    EXPECT_EQ(type->str(), text);
  }
  for (const char* text :
       {"{x: u8[1,28,28], y: class<10>}", "{x: f32[4], y: soft<3>}", "{x: f32[13], y: f32[1]}"}) {
    auto type = parse_sample_type(text);
    ASSERT_TRUE(type) << text;
    EXPECT_EQ(type->str(), text);
  }
  for (const char* text : {"", "u8", "u8[1,]", "q8[1]", "u8[01]", "{x: u8[1], y: class<>}",
                           "{x: u8[1],y: class<2>}"}) {
    EXPECT_FALSE(parse_tensor_type(text) || parse_sample_type(text)) << text;
  }
}

// A small pipeline whose plan is checked byte for byte.
Graph small() {
  Graph graph;
  graph.pipeline = "small";
  graph.root_seed = 7;
  graph.project_root = "/proj";
  graph.nodes.push_back(reader("digits", "/proj/data/", "images.gz", "labels.gz", 100));
  graph.nodes.push_back(augment(0, {to_float(), hflip()}, "digits |> jitter", 100));
  graph.exports.push_back(Export{1, "out/jittered", {}});
  hash_graph(graph);
  return graph;
}

TEST(PlanWriter, GoldenTextOfASmallPlan) {
  Graph graph = small();
  PlanText plan = write_plan(graph);
  // The hashes are part of the format: if they change, every cache entry is invalidated.
  std::string expected_body =
      R"(# mlf plan: a compiled pipeline. Its id is the SHA-256 of this text up to the
# labels marker line; everything needed to run it is here, names are not.
format = "mlf-plan/1"
root_seed = 7

[[node]]
id = "cab3a3462ef2665af599ab5b531d2761075283ed1831c0d891ee4dd77d82dc34"
kind = "read"
op = "idx"
version = "1.0.0"
inputs = []
sample = "{x: u8[1,28,28], y: class<10>}"
count = 100

[node.args]
images = { path = "data/images.gz" }
labels = { path = "data/labels.gz" }

[[node.file]]
argument = "images"
path = "data/images.gz"
directory = false
sha256 = "bcbbf08dfca9574718bf7f3ab9b02f63fbc18771863ff88885cca3b272fdbccc"

[[node.file]]
argument = "labels"
path = "data/labels.gz"
directory = false
sha256 = "9797ef7cdf228aa7fa91910dab4eb93851b3fac9b21e0d57b42441f2ae70b651"

[[node]]
id = "5bd3a1d85aff3e0dd5f1ac8fd327cdcf2f16e3cb4268b72fc6c5d4846915a6ac"
kind = "augment"
inputs = ["cab3a3462ef2665af599ab5b531d2761075283ed1831c0d891ee4dd77d82dc34"]
sample = "{x: f32[1,28,28], y: class<10>}"
count = 100

[[node.step]]
op = "to_float"
version = "1.0.0"
args = { scale = 0.00392156862745098 }
occurrence = 0
in = "{x: u8[1,28,28], y: class<10>}"
out = "{x: f32[1,28,28], y: class<10>}"

[[node.step]]
op = "random_hflip"
version = "1.0.0"
args = { p = 0.5 }
occurrence = 0
stream = "272dac31254e4c4dcbcb45a60b01c9a1a4dcf5e656549fc471273139ec766950"
in = "{x: f32[1,28,28], y: class<10>}"
out = "{x: f32[1,28,28], y: class<10>}"

[[export]]
node = "5bd3a1d85aff3e0dd5f1ac8fd327cdcf2f16e3cb4268b72fc6c5d4846915a6ac"
path = "out/jittered"
)";
  EXPECT_EQ(plan.body, expected_body);
  std::string expected_labels = R"(# ---- labels (not part of the plan id) ----

[labels]
plan = "a78b07bcd7e0e86a4f9f4d52b276b07f638116bf1941246550effa7a1a649a71"
pipeline = "small"
project_root = "/proj"

[[labels.node]]
id = "cab3a3462ef2665af599ab5b531d2761075283ed1831c0d891ee4dd77d82dc34"
label = "digits"

[[labels.node]]
id = "5bd3a1d85aff3e0dd5f1ac8fd327cdcf2f16e3cb4268b72fc6c5d4846915a6ac"
label = "digits |> jitter"
)";
  EXPECT_EQ(plan.labels, expected_labels);
  EXPECT_EQ(plan.id.hex(), "a78b07bcd7e0e86a4f9f4d52b276b07f638116bf1941246550effa7a1a649a71");
}

TEST(PlanReader, RoundTripIsByteIdentical) {
  for (bool reversed : {false, true}) {
    PlanText plan = write_plan(fashion_sweep(reversed));
    std::string file = plan_file_text(plan.body, plan.labels);
    PlanReadResult read = read_plan(file, plan.id);
    ASSERT_TRUE(read.ok()) << ::testing::PrintToString(read.errors);
    EXPECT_EQ(read.plan.id, plan.id);
    EXPECT_EQ(render_plan_body(read.plan), plan.body);
    EXPECT_EQ(render_plan_labels(read.plan, read.plan.id), plan.labels);
    EXPECT_EQ(read.plan.pipeline, "fashion");
    EXPECT_EQ(read.plan.project_root, "/proj");
  }
}

TEST(PlanReader, ReadsWhatTheRuntimeNeeds) {
  Graph graph = fashion_sweep();
  PlanText text = write_plan(graph);
  PlanReadResult read = read_plan(plan_file_text(text.body, text.labels));
  ASSERT_TRUE(read.ok()) << ::testing::PrintToString(read.errors);
  const Plan& plan = read.plan;
  EXPECT_EQ(plan.root_seed, 42);
  const PlanNode* fit = nullptr;
  for (const auto& node : plan.nodes)
    if (node.kind == "train" && node.call->arg("optimizer")->ops[0].args[0].value.real == 0.01)
      fit = &node;
  ASSERT_TRUE(fit);
  ASSERT_TRUE(fit->seed);
  EXPECT_EQ(fit->call->name, "train");
  EXPECT_EQ(fit->call->args.front().name, "model");  // catalogue order, not key order
  EXPECT_EQ(fit->call->arg("model")->kind, PlanValue::Kind::Model);
  EXPECT_EQ(fit->call->arg("model")->ops[1].children.size(), 2u);
  EXPECT_EQ(fit->call->arg("schedule"), nullptr);  // absent optional argument
  EXPECT_EQ(fit->call->arg("epochs")->integer, 2);
  ASSERT_EQ(fit->layers.size(), 4u);
  EXPECT_EQ(fit->layers[1].sublayers.size(), 2u);
  EXPECT_EQ(fit->layers[1].sublayers[0].inferred,
            (std::vector<std::pair<std::string, std::int64_t>>{{"in_channels", 8}}));
  EXPECT_EQ(fit->model_output->str(), "f32[10]");
  const PlanNode* jitter = plan.find(fit->inputs[0]);
  ASSERT_TRUE(jitter);
  ASSERT_EQ(jitter->chain.size(), 4u);
  EXPECT_FALSE(jitter->chain[0].stream);
  EXPECT_TRUE(jitter->chain[2].stream && jitter->chain[3].stream);
  EXPECT_NE(*jitter->chain[2].stream, *jitter->chain[3].stream);
  EXPECT_EQ(jitter->chain[3].occurrence, 1);
  EXPECT_EQ(plan.gates[0].comparison, ">=");
  EXPECT_EQ(plan.gate_texts.size(), 2u);
  for (const auto& node : plan.nodes)
    for (const auto& file : node.files)
      EXPECT_TRUE(file.path == "data/" + file.path.substr(5) ||
                  file.path.rfind("/usr/share/", 0) == 0)
          << file.path;
}

TEST(PlanReader, NodeIdsAreRecomputedFromContent) {
  Graph graph = fashion_sweep();
  Plan plan = build_plan(graph);
  EXPECT_TRUE(verify_plan_ids(plan).empty()) << ::testing::PrintToString(verify_plan_ids(plan));
  // Every node's canonical call is byte-identical whichever form it was encoded from.
  for (const auto& node : graph.nodes) {
    if (!node.call) continue;
    const PlanNode* planned = plan.find(node.hash);
    ASSERT_TRUE(planned);
    NodeHashLookup lookup = [&](NodeId id) { return graph.nodes[id].hash; };
    EXPECT_EQ(canonical_call(*planned->call), canonical_call(*node.call, lookup));
  }
  Plan edited = plan;
  edited.nodes[4].call->args.back().value.integer += 1;  // a train's batch size
  auto errors = verify_plan_ids(edited);
  ASSERT_EQ(errors.size(), 2u) << ::testing::PrintToString(errors);  // its seed and its id
  EXPECT_NE(errors[1].find("the id does not match the node's content"), std::string::npos);
}

TEST(PlanReader, RejectsAnEditedBody) {
  PlanText plan = write_plan(fashion_sweep());
  std::string file = plan_file_text(plan.body, plan.labels);
  std::string edited = file;
  edited.replace(edited.find("batch = 128"), 11, "batch = 256");
  PlanReadResult read = read_plan(edited);
  ASSERT_FALSE(read.ok());
  EXPECT_NE(read.errors[0].find("the plan records its id as"), std::string::npos) << read.errors[0];
  bool names_node = false;
  for (const auto& e : read.errors)
    names_node |= e.find("does not match the node's content") != std::string::npos;
  EXPECT_TRUE(names_node);
}

TEST(PlanReader, RejectsNonCanonicalText) {
  PlanText plan = write_plan(fashion_sweep());
  std::string body = plan.body;
  body.replace(body.find("root_seed = 42"), 14, "root_seed =  42");
  PlanReadResult read = read_plan(body);
  ASSERT_EQ(read.errors.size(), 1u) << ::testing::PrintToString(read.errors);
  EXPECT_NE(read.errors[0].find("not in canonical form"), std::string::npos);
}

TEST(PlanReader, ReportsFormatSyntaxAndIdProblems) {
  PlanText plan = write_plan(fashion_sweep());
  std::string body = plan.body;
  std::string other = body;
  other.replace(other.find("mlf-plan/1"), 10, "mlf-plan/9");
  auto read = read_plan(other);
  ASSERT_EQ(read.errors.size(), 1u);
  EXPECT_EQ(read.errors[0],
            "unsupported plan format \"mlf-plan/9\"; this mlf reads \"mlf-plan/1\"");

  read = read_plan("format = \"mlf-plan/1\"\nroot_seed = [\n");
  ASSERT_EQ(read.errors.size(), 1u);
  EXPECT_EQ(read.errors[0].rfind("line ", 0), 0u) << read.errors[0];

  read = read_plan(body, Sha256::of("something else"));
  ASSERT_EQ(read.errors.size(), 1u);
  EXPECT_EQ(read.errors[0].rfind("expected plan `", 0), 0u) << read.errors[0];

  std::string missing = body;
  missing.erase(missing.find("kind = \"read\"\n"), 14);
  read = read_plan(missing);
  ASSERT_FALSE(read.ok());
  EXPECT_NE(read.errors[0].find("`kind` is missing"), std::string::npos) << read.errors[0];
  EXPECT_EQ(read.errors[0].rfind("node 0 (`", 0), 0u) << read.errors[0];

  read = read_plan("");
  ASSERT_FALSE(read.ok());
  EXPECT_EQ(read.errors[0], "`format` is missing");
}

TEST(PlanReader, ValuesOfEveryKindRoundTrip) {
  static const OpSpec kOdd = spec("odd op", OpKind::DatasetOp, false, "0.1.0");
  Graph graph = fashion_sweep();
  Value chain;
  chain.kind = Value::Kind::Chain;
  chain.ops = {to_float().op, hflip().op};
  Node odd;
  odd.kind = NodeKind::DatasetOp;
  odd.call = call(kOdd, {{"quote \"key\"", Value::of_string("tab\t\"quoted\" \\ é \x01")},
                         {"tiny", Value::of_float(1e-5)},
                         {"huge", Value::of_float(1e300)},
                         {"negative_zero", Value::of_float(-0.0)},
                         {"infinite", Value::of_float(-1.0 / 0.0)},
                         {"integer", Value::of_int(-9007199254740993)},
                         {"chain", chain},
                         {"field", node_value(5, Value::Kind::Field, "accuracy")},
                         {"paths", list({Value::of_path("/proj/a"), Value::of_path("/b")})},
                         {"empty", list({})}});
  odd.inputs = {0, 5};  // a node an argument names is among the inputs
  odd.dataset = {kBytes, 3};
  odd.label = "odd";
  graph.nodes.push_back(odd);
  hash_graph(graph);
  PlanText text = write_plan(graph);
  PlanReadResult read = read_plan(plan_file_text(text.body, text.labels), text.id);
  ASSERT_TRUE(read.ok()) << ::testing::PrintToString(read.errors) << text.body;
  EXPECT_EQ(render_plan_body(read.plan), text.body);
  const PlanNode* planned = read.plan.find(graph.nodes.back().hash);
  ASSERT_TRUE(planned);
  EXPECT_EQ(planned->call->args[0].name, "quote \"key\"");
  EXPECT_EQ(planned->call->args[0].value.text, "tab\t\"quoted\" \\ é \x01");
  EXPECT_EQ(planned->call->arg("integer")->integer, -9007199254740993);
  EXPECT_EQ(planned->call->arg("paths")->items[0].text, "a");
  EXPECT_EQ(planned->call->arg("paths")->items[1].text, "/b");
}

}  // namespace
}  // namespace mlf
