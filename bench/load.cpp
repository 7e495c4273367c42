// Loader benchmark: writes a KuaiRand-shaped TSV of about 100 MB (the embedded subset's rows
// repeated, with user and video ids shifted per copy), loads it with the KuaiRand mapping and prints
// `LOAD bytes=<n> seconds=<s> mb_per_s=<x> rows=<r> table_mb=<t> load_peak_mb=<p>`.
//
// Usage: seesaw-bench-load [--mb N] [--dir DIR]

#include <sys/resource.h>

#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include "data/delimited_loader.h"
#include "data/presets.h"

using namespace seesaw;

namespace {

double residentMb()
{
  long pages = 0, resident = 0;
  if (std::FILE* f = std::fopen("/proc/self/statm", "r")) {
    if (std::fscanf(f, "%ld %ld", &pages, &resident) != 2) resident = 0;
    std::fclose(f);
  }
  return static_cast<double>(resident) * 4096 / 1e6;
}

size_t tableBytes(const InteractionTable& t)
{
  size_t bytes = (t.user.codes.size() + t.item.codes.size()) * sizeof(int32_t);
  for (const auto& c : t.categorical) bytes += c.codes.size() * sizeof(int32_t);
  for (const auto& d : t.dense) bytes += d.values.size() * sizeof(float);
  for (const auto& k : t.tasks) bytes += k.labels.size() * sizeof(float);
  if (t.timestamp) bytes += t.timestamp->size() * sizeof(int64_t);
  for (const auto* c : {&t.user, &t.item})
    for (const auto& v : c->vocabulary) bytes += v.capacity() + sizeof(std::string);
  return bytes;
}

}  // namespace

int main(int argc, char** argv)
{
  double targetMb = 100;
  std::string dir = std::filesystem::temp_directory_path().string();
  for (int i = 1; i + 1 < argc; i += 2) {
    const std::string flag = argv[i];
    if (flag == "--mb") targetMb = std::stod(argv[i + 1]);
    else if (flag == "--dir") dir = argv[i + 1];
  }
  const std::string path = dir + "/seesaw-bench-load.tsv";
  {
    LineReader demo = openDemoData();
    std::string_view line;
    demo.next(line);
    const std::string header(line);
    std::vector<std::string> rows;
    while (demo.next(line)) rows.emplace_back(line);
    std::ofstream out(path);
    out << header << "\n";
    size_t written = header.size() + 1;
    for (long copy = 0; written < targetMb * 1e6; ++copy) {
      for (const auto& row : rows) {
        // Distinct users and videos per copy: prefix the ids so vocabularies grow as in a real log.
        const std::string shifted = std::to_string(copy) + row;
        const size_t tab = shifted.find('\t');
        const std::string withVideo = shifted.substr(0, tab + 1) + std::to_string(copy) + shifted.substr(tab + 1);
        out << withVideo << "\n";
        written += withVideo.size() + 1;
      }
    }
  }
  const auto bytes = std::filesystem::file_size(path);
  const ColumnMapping mapping = kuairandMapping({});
  const double before = residentMb();
  const auto t0 = std::chrono::steady_clock::now();
  const InteractionTable table = loadDelimited(path, mapping);
  const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  rusage usage{};
  getrusage(RUSAGE_SELF, &usage);
  // Peak memory of the load itself: the process's peak minus what it held before the load.
  std::printf("LOAD bytes=%zu seconds=%.2f mb_per_s=%.1f rows=%zu table_mb=%.1f load_peak_mb=%.1f\n",
              static_cast<size_t>(bytes), seconds, bytes / 1e6 / seconds, table.rows(), tableBytes(table) / 1e6,
              usage.ru_maxrss / 1024.0 - before);
  std::filesystem::remove(path);
  return 0;
}
