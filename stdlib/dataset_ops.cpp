// Dataset ops: datasets derived from datasets. A count of -1 means the number of samples is
// known only at run time (`split(by: "hash")`); ops downstream of it keep it unknown.

#include <algorithm>
#include <string>

#include "stdlib/catalogue.h"
#include "stdlib/spec_builders.h"
#include "stdlib/split_sizes.h"

namespace mlf {
namespace {

constexpr std::int64_t kCountKnownAtRunTime = -1;

bool known(std::int64_t count) { return count >= 0; }

OpSpec split() {
  OpSpec op = new_op("split", OpKind::DatasetOp,
                     "one of two disjoint parts of a dataset, by position or by content hash");
  op.params = {
      param("data", ParamType::Dataset, "the dataset to divide").positional(),
      param("fraction", ParamType::Float, "share of the samples that go to the first part")
          .above(0)
          .below(1),
      param("part", ParamType::Enum, "which part this dataset is")
          .choices({"first", "second"})
          .default_text("first"),
      param("by", ParamType::Enum,
            "\"index\": the first floor(fraction × count) samples form the first part; "
            "\"hash\": a sample is in the first part when the hash of its content, read as a "
            "number in [0, 1), is below `fraction`, so the parts stay stable when samples are "
            "added, and their sizes are known only at run time")
          .choices({"index", "hash"})
          .default_text("index"),
  };
  op.dataset_rule = [](const std::vector<DatasetType>& in,
                       const OpCall& call) -> RuleResult<DatasetType> {
    DatasetType out = in.at(0);
    if (call.arg("by").text == "hash" || !known(out.count)) {
      out.count = kCountKnownAtRunTime;
      return out;
    }
    std::int64_t first = split_first_size(call.arg("fraction").as_real(), out.count);
    bool want_first = call.arg("part").text == "first";
    out.count = want_first ? first : out.count - first;
    if (out.count == 0) {
      RuleError error;
      error.kind = DiagnosticKind::ValueOutOfRange;
      error.message = std::string("`split` leaves the ") + (want_first ? "first" : "second") +
                      " part empty: floor(" + canonical_float(call.arg("fraction").as_real()) +
                      " × " + std::to_string(in[0].count) + ") = " + std::to_string(first) +
                      " samples go to the first part";
      error.argument = "fraction";
      return error;
    }
    return out;
  };
  return op;
}

OpSpec take() {
  OpSpec op = new_op("take", OpKind::DatasetOp, "the first `n` samples of a dataset");
  op.params = {
      param("data", ParamType::Dataset, "the dataset to cut").positional(),
      param("n", ParamType::Int,
            "number of samples kept; all of them when the dataset is "
            "smaller")
          .at_least(1)
          .at_most(kMaxCount),
  };
  op.dataset_rule = [](const std::vector<DatasetType>& in,
                       const OpCall& call) -> RuleResult<DatasetType> {
    DatasetType out = in.at(0);
    if (known(out.count)) out.count = std::min(out.count, call.arg("n").integer);
    return out;
  };
  return op;
}

OpSpec shuffle() {
  OpSpec op = new_op("shuffle", OpKind::DatasetOp,
                     "the samples of a dataset in a random order, fixed by the seed");
  op.params = {
      param("data", ParamType::Dataset, "the dataset to reorder").positional(),
  };
  op.random = true;
  op.dataset_rule = [](const std::vector<DatasetType>& in,
                       const OpCall&) -> RuleResult<DatasetType> { return in.at(0); };
  return op;
}

OpSpec concat() {
  OpSpec op = new_op("concat", OpKind::DatasetOp,
                     "the samples of several datasets of one sample type, one after another");
  op.params = {
      param("datasets", ParamType::DatasetList, "the datasets, in order").positional(),
  };
  op.dataset_rule = [](const std::vector<DatasetType>& in,
                       const OpCall&) -> RuleResult<DatasetType> {
    if (in.empty()) {
      RuleError error;
      error.kind = DiagnosticKind::ValueOutOfRange;
      error.message = "`concat` needs at least one dataset, found an empty list";
      error.argument = "datasets";
      return error;
    }
    DatasetType out = in[0];
    for (std::size_t i = 1; i < in.size(); ++i) {
      if (!(in[i].sample == in[0].sample)) {
        RuleError error;
        error.kind = DiagnosticKind::DatasetMismatch;
        error.message = "`concat` needs datasets of one sample type: dataset 1 has " +
                        in[0].sample.str() + " but dataset " + std::to_string(i + 1) + " has " +
                        in[i].sample.str();
        error.argument = "datasets";
        if (in[i].sample.y == in[0].sample.y)
          error.help = "apply the same augment chain to every dataset before `concat`";
        return error;
      }
      out.count =
          known(out.count) && known(in[i].count) ? out.count + in[i].count : kCountKnownAtRunTime;
    }
    return out;
  };
  return op;
}

}  // namespace

void register_dataset_ops(Catalogue& catalogue) {
  catalogue.add(split());
  catalogue.add(take());
  catalogue.add(shuffle());
  catalogue.add(concat());
}

}  // namespace mlf
