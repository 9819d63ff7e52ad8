//! Alkire-Foster multidimensional poverty measures (H, A, M0, censored and uncensored headcounts,
//! percentage contributions), by subgroup and with household or person weights.
//!
//! Weights are whole "points" per indicator (equal weights: 1 each) and the cutoff `k` is in the same
//! points, so the poverty identification `score >= k` is exact; all sums are exact integer sums.

use std::collections::BTreeMap;

/// The measures for one population (the whole, or one subgroup).
#[derive(Clone, Debug, PartialEq)]
pub struct AfMeasures {
    /// Σ weights (households, or persons).
    pub population: u64,
    /// Σ weights of the multidimensionally poor.
    pub poor: u64,
    pub h: f64,
    pub a: f64,
    pub m0: f64,
    /// Per indicator: share of the population that is poor and deprived on it.
    pub censored: Vec<f64>,
    /// Per indicator: share deprived on it.
    pub uncensored: Vec<f64>,
    /// Per indicator: share of M0 it accounts for (sums to 1 when M0 > 0).
    pub contribution: Vec<f64>,
}

#[derive(Clone, Debug, Default)]
struct Acc {
    pop: u64,
    poor: u64,
    /// Σ over the poor of weight × score (points).
    poor_score: u64,
    censored: Vec<u64>,
    uncensored: Vec<u64>,
}

impl Acc {
    fn new(n: usize) -> Acc {
        Acc {
            censored: vec![0; n],
            uncensored: vec![0; n],
            ..Default::default()
        }
    }
    fn finish(&self, weights: &[u32]) -> AfMeasures {
        let total_w: u64 = weights.iter().map(|&w| w as u64).sum();
        let pop = self.pop as f64;
        let h = self.poor as f64 / pop;
        let a = if self.poor > 0 {
            self.poor_score as f64 / (total_w as f64 * self.poor as f64)
        } else {
            0.0
        };
        let m0 = h * a;
        let censored: Vec<f64> = self.censored.iter().map(|&c| c as f64 / pop).collect();
        let contribution = censored
            .iter()
            .zip(weights)
            .map(|(c, &w)| {
                if m0 > 0.0 {
                    (w as f64 / total_w as f64) * c / m0
                } else {
                    0.0
                }
            })
            .collect();
        AfMeasures {
            population: self.pop,
            poor: self.poor,
            h,
            a,
            m0,
            censored,
            uncensored: self.uncensored.iter().map(|&c| c as f64 / pop).collect(),
            contribution,
        }
    }
}

/// The measures overall and per subgroup.
#[derive(Clone, Debug, PartialEq)]
pub struct AfReport {
    pub k: u32,
    pub weights: Vec<u32>,
    pub total: AfMeasures,
    /// Subgroup key → measures, and the subgroup's share of the overall M0.
    pub groups: Vec<(i64, AfMeasures, f64)>,
    /// Households left out because an indicator is undecided.
    pub excluded: u64,
}

/// Computes the measures. `unit_weight[i]` is 1 for households, the household size for persons.
pub fn alkire_foster(
    deficit_mask: &[u32],
    unknown_mask: &[u32],
    unit_weight: &[u32],
    weights: &[u32],
    k: u32,
    groups: Option<&[i64]>,
) -> AfReport {
    let n_ind = weights.len();
    let mut total = Acc::new(n_ind);
    let mut by: BTreeMap<i64, Acc> = BTreeMap::new();
    let mut excluded = 0;
    for i in 0..deficit_mask.len() {
        if unknown_mask[i] != 0 {
            excluded += 1;
            continue;
        }
        let m = deficit_mask[i];
        let w = unit_weight[i] as u64;
        let score: u64 = (0..n_ind)
            .filter(|j| m >> j & 1 == 1)
            .map(|j| weights[j] as u64)
            .sum();
        let poor = score >= k as u64;
        let add = |acc: &mut Acc| {
            acc.pop += w;
            if poor {
                acc.poor += w;
                acc.poor_score += w * score;
            }
            for j in 0..n_ind {
                if m >> j & 1 == 1 {
                    acc.uncensored[j] += w;
                    if poor {
                        acc.censored[j] += w;
                    }
                }
            }
        };
        add(&mut total);
        if let Some(g) = groups {
            add(by.entry(g[i]).or_insert_with(|| Acc::new(n_ind)));
        }
    }
    let total_m = total.finish(weights);
    let groups = by
        .into_iter()
        .map(|(key, acc)| {
            let m = acc.finish(weights);
            let share = if total_m.m0 > 0.0 {
                (acc.pop as f64 / total.pop as f64) * m.m0 / total_m.m0
            } else {
                0.0
            };
            (key, m, share)
        })
        .collect();
    AfReport {
        k,
        weights: weights.to_vec(),
        total: total_m,
        groups,
        excluded,
    }
}
