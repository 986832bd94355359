#include "pipe_bench/plot.hpp"

#include <fcntl.h>
#include <fmt/format.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <map>
#include <set>
#include <sstream>

namespace pipe_bench {
namespace {

constexpr int kPanelWidth = 600;
constexpr int kPanelHeight = 420;

bool ends_with(const std::string& text, const std::string& suffix) {
  return text.size() >= suffix.size() &&
         text.compare(text.size() - suffix.size(), suffix.size(), suffix) == 0;
}

// A gnuplot string literal in double quotes.
std::string quoted(const std::string& text) {
  std::string out = "\"";
  for (const char c : text) {
    if (c == '"' || c == '\\') out += '\\';
    out += c;
  }
  return out + '"';
}

std::vector<std::string> target_names(const std::vector<ConfigResults>& results) {
  std::vector<std::string> names;
  for (const auto& s : results.front().series) names.push_back(s.target);
  return names;
}

const Series* find_series(const ConfigResults& config, const std::string& target) {
  for (const auto& s : config.series) {
    if (s.target == target) return &s;
  }
  return nullptr;
}

// "label median min max median min max ..." for one configuration, one triple per target.
std::string data_row(const std::string& label, const ConfigResults& config,
                     const std::vector<std::string>& targets) {
  std::string row = quoted(label);
  for (const auto& t : targets) {
    const Series* s = find_series(config, t);
    if (s == nullptr || s->runs.empty()) {
      row += " NaN NaN NaN";
      continue;
    }
    const SeriesStats st = summarize(*s);
    row += fmt::format(" {:.3f} {:.3f} {:.3f}", st.median.writes_per_s, st.min.writes_per_s,
                       st.max.writes_per_s);
  }
  return row + '\n';
}

struct Panel {
  std::string title;
  std::string xlabel;
  std::vector<std::pair<std::string, const ConfigResults*>> rows;  // x label, configuration
};

std::vector<Panel> make_panels(const std::vector<ConfigResults>& results, bool cost_sweep) {
  std::vector<Panel> panels;
  if (cost_sweep) {
    std::map<std::pair<unsigned, unsigned>, std::size_t> index;
    for (const auto& r : results) {
      const auto key = std::pair{r.config.writers, r.config.readers};
      auto [it, fresh] = index.emplace(key, panels.size());
      if (fresh) {
        panels.push_back(
            {fmt::format("{} writer{} / {} reader{}", key.first, key.first == 1 ? "" : "s",
                         key.second, key.second == 1 ? "" : "s"),
             "model allocator cost per page allocation (ns)",
             {}});
      }
      panels[it->second].rows.emplace_back(fmt::format("{}", r.config.alloc_cost_ns), &r);
    }
    return panels;
  }
  if (results.size() == 1) {  // one configuration: one cluster, named in the panel title
    const Configuration& c = results.front().config;
    return {{fmt::format("{} writer{} / {} reader{}", c.writers, c.writers == 1 ? "" : "s",
                         c.readers, c.readers == 1 ? "" : "s"),
             "",
             {{"", &results.front()}}}};
  }
  std::map<unsigned, std::size_t> index;
  for (const auto& r : results) {
    auto [it, fresh] = index.emplace(r.config.readers, panels.size());
    if (fresh) {
      panels.push_back(
          {fmt::format("{} reader{}", r.config.readers, r.config.readers == 1 ? "" : "s"),
           "writers",
           {}});
    }
    panels[it->second].rows.emplace_back(fmt::format("{}", r.config.writers), &r);
  }
  return panels;
}

}  // namespace

std::string plot_script(const PlotRequest& request) {
  const auto& results = *request.results;
  std::set<std::uint64_t> costs;
  for (const auto& r : results) costs.insert(r.config.alloc_cost_ns);
  const bool cost_sweep = costs.size() > 1;
  const std::vector<std::string> targets = target_names(results);
  const std::vector<Panel> panels = make_panels(results, cost_sweep);
  const int cols = static_cast<int>(std::min<std::size_t>(panels.size(), 3));
  const int rows = static_cast<int>((panels.size() + cols - 1) / cols);

  std::ostringstream s;
  const bool svg = ends_with(request.path, ".svg");
  s << fmt::format("set terminal {} size {},{} font \"sans,10\"{}\n", svg ? "svg" : "pngcairo",
                   cols * kPanelWidth, rows * kPanelHeight + 40,
                   svg ? " dynamic background rgb \"white\"" : " background rgb \"white\"");
  s << "set output " << quoted(request.path) << '\n';
  for (std::size_t p = 0; p < panels.size(); ++p) {
    s << fmt::format("$panel{} << EOD\n", p);
    for (const auto& [label, config] : panels[p].rows) s << data_row(label, *config, targets);
    s << "EOD\n";
  }
  // The key sits in head room above the bars: up to 3 entries per row.
  const std::size_t key_rows = (targets.size() + 2) / 3;
  s << "set grid ytics\nset yrange [0:*]\nset format y \"%.0s%c\"\nset ylabel \"writes/s\"\n";
  const double side = cost_sweep ? 0.3 : 0.0;  // keeps the first and last points off the border
  s << fmt::format(
      "set key top left horizontal maxcols 3 Left reverse samplen 1.5 font \",9\"\nset offsets "
      "{0}, {0}, graph {1:.2f}, 0\n",
      side, 0.10 + 0.09 * static_cast<double>(key_rows));
  if (cost_sweep) {
    s << "set style data yerrorlines\nset pointsize 1.2\n";
  } else {
    s << "set style data histograms\nset style histogram errorbars gap 1 lw 1\n"
         "set style fill solid 0.75 border -1\nset boxwidth 0.9\n";
  }
  s << fmt::format("set multiplot layout {},{} title {}\n", rows, cols, quoted(request.title));
  for (std::size_t p = 0; p < panels.size(); ++p) {
    s << "set title " << quoted(panels[p].title) << '\n';
    s << "set xlabel " << quoted(panels[p].xlabel) << '\n';
    s << "plot ";
    for (std::size_t t = 0; t < targets.size(); ++t) {
      const std::size_t c = 2 + 3 * t;  // median column; min and max follow
      if (t != 0) s << ", \\\n     ";
      if (cost_sweep) {
        s << fmt::format("$panel{} using 0:{}:{}:{}{} lw 2 title {}", p, c, c + 1, c + 2,
                         t == 0 ? ":xtic(1)" : "", quoted(targets[t]));
      } else {
        s << fmt::format("$panel{} using {}:{}:{}{} title {}", p, c, c + 1, c + 2,
                         t == 0 ? ":xtic(1)" : "", quoted(targets[t]));
      }
    }
    s << '\n';
  }
  s << "unset multiplot\nset output\n";
  return s.str();
}

bool draw_plot(const std::string& gnuplot, const PlotRequest& request, std::string& error) {
  if (request.results == nullptr || request.results->empty()) {
    error = "--plot: nothing to plot";
    return false;
  }
  char script_path[] = "/tmp/pipe_bench_plot_XXXXXX";
  const int fd = ::mkstemp(script_path);
  if (fd < 0) {
    error = fmt::format("--plot: cannot create a temporary file: {}", std::strerror(errno));
    return false;
  }
  const std::string script = plot_script(request);
  const bool written =
      ::write(fd, script.data(), script.size()) == static_cast<ssize_t>(script.size());
  ::close(fd);
  char log_path[] = "/tmp/pipe_bench_plot_log_XXXXXX";
  const int log = ::mkstemp(log_path);
  int status = -1;
  if (written && log >= 0) {
    std::fflush(nullptr);
    const pid_t pid = ::fork();
    if (pid == 0) {
      ::dup2(log, STDERR_FILENO);
      ::dup2(log, STDOUT_FILENO);
      ::execl(gnuplot.c_str(), gnuplot.c_str(), script_path, static_cast<char*>(nullptr));
      ::_exit(127);
    }
    if (pid > 0) {
      while (::waitpid(pid, &status, 0) < 0 && errno == EINTR) {
      }
    }
  }
  std::string first_line;
  if (log >= 0) {
    ::close(log);
    std::ifstream in(log_path);
    std::string line;
    while (std::getline(in, line) && first_line.empty()) {
      if (line.find_first_not_of(" \t^") != std::string::npos) first_line = line;
    }
    ::unlink(log_path);
  }
  ::unlink(script_path);
  if (!(WIFEXITED(status) && WEXITSTATUS(status) == 0)) {
    error = fmt::format("--plot: gnuplot failed{}{}", first_line.empty() ? "" : ": ", first_line);
    return false;
  }
  return true;
}

}  // namespace pipe_bench
