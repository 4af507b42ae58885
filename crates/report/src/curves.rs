//! `curves.png`: loss and accuracy per epoch, train and validation.

use std::path::Path;

use plotters::prelude::*;

use crate::draw::{png, text, Area, FAMILY};
use crate::{EpochPoint, ReportError};

const TRAIN: RGBColor = RGBColor(31, 119, 180);
const VALID: RGBColor = RGBColor(255, 127, 14);

/// An epoch axis tick: whole epochs only (`2`, not `2.0`); a tick between epochs is left blank.
fn epoch_tick(x: f64) -> String {
    if (x - x.round()).abs() < 1e-6 {
        format!("{}", x.round() as i64)
    } else {
        String::new()
    }
}

fn panel(
    area: &Area,
    title: &str,
    train_name: &str,
    points: &[EpochPoint],
    pick: impl Fn(&EpochPoint) -> (f64, f64),
) -> Result<(), String> {
    let values: Vec<f64> = points
        .iter()
        .flat_map(|p| {
            let (a, b) = pick(p);
            [a, b]
        })
        .filter(|v| v.is_finite())
        .collect();
    let lo = values.iter().copied().fold(f64::INFINITY, f64::min);
    let hi = values.iter().copied().fold(f64::NEG_INFINITY, f64::max);
    let (lo, hi) = if lo.is_finite() { (lo, hi) } else { (0.0, 1.0) };
    let pad = ((hi - lo) * 0.08).max(1e-3);
    let last = points.last().map_or(1, |p| p.epoch).max(1);
    let mut chart = ChartBuilder::on(area)
        .caption(title, (FAMILY, 22))
        .margin(12)
        .x_label_area_size(36)
        .y_label_area_size(56)
        .build_cartesian_2d(0.5f64..last as f64 + 0.5, (lo - pad)..(hi + pad))
        .map_err(text)?;
    chart
        .configure_mesh()
        .x_desc("epoch")
        .x_labels(last.min(12))
        .x_label_formatter(&|x| epoch_tick(*x))
        .label_style((FAMILY, 14))
        .draw()
        .map_err(text)?;
    for (name, colour, second) in [(train_name, TRAIN, false), ("validation", VALID, true)] {
        let series: Vec<(f64, f64)> = points
            .iter()
            .map(|p| {
                let (a, b) = pick(p);
                (p.epoch as f64, if second { b } else { a })
            })
            .filter(|(_, v)| v.is_finite())
            .collect();
        chart
            .draw_series(LineSeries::new(series.clone(), colour.stroke_width(2)))
            .map_err(text)?
            .label(name)
            .legend(move |(x, y)| PathElement::new([(x, y), (x + 18, y)], colour.stroke_width(2)));
        chart
            .draw_series(
                series
                    .into_iter()
                    .map(|p| Circle::new(p, 3, colour.filled())),
            )
            .map_err(text)?;
    }
    chart
        .configure_series_labels()
        .label_font((FAMILY, 14))
        .background_style(WHITE.mix(0.8))
        .border_style(BLACK)
        .draw()
        .map_err(text)
}

/// The loss panel's name for the training series: with label smoothing, the training loss
/// is computed against softened targets and reads higher than the plain validation loss.
fn train_loss_name(label_smoothing: f64) -> String {
    if label_smoothing > 0.0 {
        format!("train ({label_smoothing} label smoothing)")
    } else {
        "train".to_string()
    }
}

pub fn draw(
    path: &Path,
    run: &str,
    points: &[EpochPoint],
    label_smoothing: f64,
) -> Result<(), ReportError> {
    png(path, (1100, 460), |root| {
        let (left, right) = root.split_horizontally(550);
        let train_loss = train_loss_name(label_smoothing);
        panel(&left, &format!("{run}: loss"), &train_loss, points, |p| {
            (p.train_loss, p.valid_loss)
        })?;
        panel(
            &right,
            &format!("{run}: accuracy (%)"),
            "train",
            points,
            |p| (p.train_accuracy, p.valid_accuracy),
        )
    })
}

#[cfg(test)]
mod tests {
    use super::{epoch_tick, train_loss_name};

    #[test]
    fn smoothed_training_loss_is_named_as_such() {
        assert_eq!(train_loss_name(0.0), "train");
        assert_eq!(train_loss_name(0.1), "train (0.1 label smoothing)");
    }

    #[test]
    fn epoch_ticks_are_whole_numbers() {
        assert_eq!(epoch_tick(2.0), "2");
        assert_eq!(epoch_tick(10.000_000_1), "10");
        assert_eq!(epoch_tick(2.5), "");
    }
}
