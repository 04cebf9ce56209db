// The run report: one self-contained HTML page (`mlf report`).
//
// Takes: one or more loaded runs (run_report_data.h).
// Promises: a complete HTML5 document with inline CSS and inline SVG and images as data
// URIs: nothing is fetched, there are no scripts and no external URLs, so it views offline
// and cannot log console errors. Per run: summary, pipeline graph, stages (status, time,
// why they ran), gates, metrics, training curves, confusion matrices and the highest-loss
// samples. With several runs, a comparison table first, then the runs side by side.
// The same runs give the same bytes.
#pragma once

#include <string>
#include <vector>

#include "runtime/report/run_report_data.h"

namespace mlf::runtime {

std::string render_html_report(const std::vector<ReportRun>& runs);

}  // namespace mlf::runtime
