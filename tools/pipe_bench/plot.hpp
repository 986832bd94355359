// --plot: writes/s per target (median, min-max error bars) drawn by gnuplot to PNG or SVG.
//
// Without an alloc-cost sweep: clustered bars, one cluster per writers value, one panel per
// readers value (a single configuration is one panel with one cluster). With several
// --alloc-cost values: writes/s against the cost, one line per target, one panel per writers x
// readers pair. The data travel inside the script as gnuplot datablocks.
#pragma once

#include <string>
#include <vector>

#include "pipe_bench/session.hpp"

namespace pipe_bench {

struct PlotRequest {
  std::string path;   // ends in .png or .svg
  std::string title;  // the first line of the figure's title
  std::vector<ConfigResults> const* results = nullptr;
};

// The gnuplot script that draws the request.
[[nodiscard]] std::string plot_script(const PlotRequest& request);

// Runs `gnuplot` on the script. False with `error` (one line) when it fails.
[[nodiscard]] bool draw_plot(const std::string& gnuplot, const PlotRequest& request,
                             std::string& error);

}  // namespace pipe_bench
