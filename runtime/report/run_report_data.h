// What a run report shows, gathered from the store: the run record and, per stage, the
// training log, the confusion matrix and the test samples with the highest loss.
//
// Takes: an open store and a run record read from it (runtime/record/run_lookup.h finds one
// from what a user types).
// Promises: everything is read from the run record and the objects it names; the pipeline's
// edges come from the record's node identities (`input.N`), so neither the source nor the
// plan is needed. A missing or damaged object leaves its part out with a note saying why,
// and never fails the report. A confusion matrix that the evaluation did not store is
// computed from its stored predictions. Samples are rendered from the evaluated dataset as
// stored by its node (runtime/data/tensor.h).
// Does not: render HTML (html_report.h).
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "runtime/record/run_record.h"
#include "runtime/store/object_store.h"

namespace mlf::runtime {

struct EpochRow {
  int epoch = 0;
  double loss = 0.0;
  double learning_rate = 0.0;
};

struct SampleView {
  std::int64_t index = 0;  // position in the evaluated dataset
  int label = 0, predicted = 0;
  double loss = 0.0;
  std::string image_uri;        // data:image/png;base64,… for image samples, else ""
  std::vector<double> features; // the first values of a non-image sample
};

struct StageView {
  std::size_t node = 0;  // index into RunRecord::nodes
  std::vector<EpochRow> log;                        // train
  std::vector<std::vector<std::int64_t>> confusion;  // evaluate, [true][predicted]
  std::vector<SampleView> worst;                    // evaluate, highest loss first
  std::vector<std::string> notes;                   // what could not be shown, and why
};

struct ReportRun {
  RunRecord record;
  std::vector<StageView> stages;  // train and evaluate nodes, in record order
};

// Every run record of the store, by id; records that are damaged (record_seal.h) or do not
// parse are left out, and listed in `damaged` when it is given.
std::vector<RunRecord> read_run_records(ObjectStore& store, std::vector<StoreError>* damaged = nullptr);

// The parts of `record`'s report, with up to `worst_samples` highest-loss samples per
// evaluation.
ReportRun load_report_run(ObjectStore& store, const RunRecord& record, int worst_samples);

// Node indices of the record that each node reads (from the `input.N` identities).
std::vector<std::vector<std::size_t>> record_inputs(const RunRecord& record);

}  // namespace mlf::runtime
