// What the leadership page reads: the year's scorecards, the compliance table per county
// and per month, plan coverage and the annual review, all from the existing APIs.
import { api } from "../api.js";

const pad = (n) => String(n).padStart(2, "0");

function sumRows(rows) {
  const total = { on_time: 0, late: 0, missed: 0, obligations: 0, concealed: 0, false_reports: 0 };
  for (const row of rows) for (const key of Object.keys(total)) total[key] += row[key] || 0;
  total.rate = total.obligations ? total.on_time / total.obligations : null;
  return total;
}

async function compliance(unit, from, to) {
  const query = new URLSearchParams({ unit, from, to });
  const table = await api(`/api/compliance?${query}`);
  return sumRows(table.rows);
}

async function monthly(unit, year) {
  const months = Array.from({ length: 12 }, (_, i) => i + 1);
  return Promise.all(
    months.map(async (m) => {
      const next = m === 12 ? `${year + 1}-01-01` : `${year}-${pad(m + 1)}-01`;
      return { month: m, ...(await compliance(unit, `${year}-${pad(m)}-01`, next)) };
    }),
  );
}

async function optional(promise) {
  try {
    return await promise;
  } catch {
    return null;
  }
}

export async function load(unit, year) {
  const scorecards = await api(`/api/assessment/scorecards?year=${year}&unit=${unit}`);
  const counties = scorecards.items;
  const from = `${year}-01-01`;
  const to = `${year + 1}-01-01`;
  const [rates, trend, coverage, annual, readiness] = await Promise.all([
    Promise.all(counties.map(async (c) => ({ card: c, ...(await compliance(c.unit, from, to)) }))),
    monthly(unit, year),
    optional(api(`/api/plans/coverage?within=${unit}&target=${year}-12-31`)),
    optional(api(`/api/reviews/annual?unit=${unit}&year=${year}`)),
    optional(api(`/api/assessment/readiness?unit=${unit}`)),
  ]);
  return { scorecards, counties, rates, trend, coverage, annual, readiness };
}
