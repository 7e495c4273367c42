#include "data/presets.h"

#include "util/error.h"

extern "C" const unsigned char seesaw_demo_data[];
extern "C" const unsigned char seesaw_demo_data_end[];

namespace seesaw {

ColumnMapping kuairandMapping(const std::vector<std::string>& taskColumns)
{
  ColumnMapping m;
  m.preset = "kuairand";
  m.delimiter = 0;
  m.user = "user_id";
  m.item = "video_id";
  m.categorical = {"hourmin"};
  m.dense = {"duration_ms"};
  m.timestamp = "time_ms";
  if (taskColumns.empty()) {
    m.tasks = {{"is_click", "is_click", TaskType::Binary, {}, {}, {}},
               {"long_view", "long_view", TaskType::Binary, {}, {}, {}},
               {"", "is_like", TaskType::Binary, {}, {"label"}, {}}};  // named after the column found
  }
  for (size_t i = 0; i < taskColumns.size(); ++i)
    m.tasks.push_back({taskColumns[i], taskColumns[i], TaskType::Binary, {}, {}, "data.tasks[" + std::to_string(i) + "]"});
  return m;
}

ColumnMapping censusMapping()
{
  ColumnMapping m;
  m.preset = "census";
  m.delimiter = ',';
  m.header = false;
  m.trim = true;
  m.columnNames = {"age", "class_worker", "det_ind_code", "det_occ_code", "education", "wage_per_hour",
                   "hs_college", "marital_stat", "major_ind_code", "major_occ_code", "race", "hisp_origin",
                   "sex", "union_member", "unemp_reason", "full_or_part_emp", "capital_gains", "capital_losses",
                   "stock_dividends", "tax_filer_stat", "region_prev_res", "state_prev_res", "det_hh_fam_stat",
                   "det_hh_summ", "instance_weight", "mig_chg_msa", "mig_chg_reg", "mig_move_reg", "mig_same",
                   "mig_prev_sunbelt", "num_emp", "fam_under_18", "country_father", "country_mother",
                   "country_self", "citizenship", "own_or_self", "vet_question", "vet_benefits", "weeks_worked",
                   "year", "income_50k"};
  m.user = "det_hh_summ";
  m.item = "det_occ_code";
  // instance_weight is a sampling weight (not a feature); marital_stat and income_50k are the labels.
  m.dense = {"age", "wage_per_hour", "capital_gains", "capital_losses", "stock_dividends", "num_emp", "weeks_worked"};
  m.categorical = {"class_worker", "det_ind_code", "education", "hs_college", "major_ind_code", "major_occ_code",
                   "race", "hisp_origin", "sex", "union_member", "unemp_reason", "full_or_part_emp",
                   "tax_filer_stat", "region_prev_res", "state_prev_res", "det_hh_fam_stat", "mig_chg_msa",
                   "mig_chg_reg", "mig_move_reg", "mig_same", "mig_prev_sunbelt", "fam_under_18",
                   "country_father", "country_mother", "country_self", "citizenship", "own_or_self",
                   "vet_question", "vet_benefits", "year"};
  m.tasks = {{"income_50k", "income_50k", TaskType::Binary, {"50000+."}, {}, {}},
             {"never_married", "marital_stat", TaskType::Binary, {"Never married"}, {}, {}}};
  return m;
}

LineReader openDemoData()
{
  return LineReader::openMemory(seesaw_demo_data, static_cast<size_t>(seesaw_demo_data_end - seesaw_demo_data),
                                "embedded demo data (KuaiRand-27K like/hate subset)");
}

}  // namespace seesaw
