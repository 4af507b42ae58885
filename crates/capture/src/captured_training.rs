//! `train --capture`: Burn's Learner with its training step captured once and replayed
//! ([`CapturedStep`]), as a custom training strategy.
//!
//! Burn's own single-device loop runs the step and then the optimiser outside anything that
//! could be recorded. This strategy is that loop (the same events, so the same metrics,
//! dashboard, checkpoints, early stopping and interruption) with one difference: every batch
//! goes through one [`CapturedStep`], made on the run's first batch and kept for the whole run.
//! The Learner's schedule still gives each step its rate. The optimiser is recorded with the
//! step ([`RecordedOptimizer`]: the recipe's optimiser, Burn's arithmetic); the Learner gets
//! the step's weights, and the optimiser's state as Burn's own record of that optimiser, back
//! at the end of each training epoch, for validation, checkpoints and the final model. A
//! resumed run's recorded optimiser starts from the checkpoint's record, so a captured run's
//! checkpoints are a plain run's, and either resumes the other's.

use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;

use burn::data::dataloader::{DataLoaderIterator, Progress};
use burn::module::Module;
use burn::optim::OptimizerRecord;
use burn::tensor::Device;
use burn::train::checkpoint::CheckpointerError;
use burn::train::{
    ClassificationOutput, EventProcessorTraining, InferenceStep, Interrupter, Learner,
    LearnerEvent, SupervisedLearningStrategy, SupervisedTrainingEventProcessor, TrainLoader,
    TrainingComponents, TrainingError, TrainingItem, ValidLoader,
};
use mnist_data::MnistBatch;
use mnist_model::Mlp;

use crate::captured_step::CapturedStep;
use crate::recorded_optimizer::RecordedOptimizer;
use mnist_runs::config::OptimizerSection;
use mnist_runs::RunConfig;

/// Trains with the step captured on `device` (the plain device, not its autodiff view).
pub struct CapturedTraining {
    device: Device,
    /// The recipe's optimiser.
    optimizer: OptimizerSection,
    /// The optimiser checkpoint a resumed run starts from.
    resumed_optimizer: Option<PathBuf>,
    /// Set once the step is captured: whether it replays recorded launches.
    recorded: Arc<AtomicBool>,
}

impl CapturedTraining {
    /// The recipe must pass [`capture_refusal`](crate::captured_step::capture_refusal).
    /// `resumed_optimizer`: the `optim-N.bpk` checkpoint of the epoch a resumed run goes on
    /// from.
    pub fn new(device: Device, config: &RunConfig, resumed_optimizer: Option<PathBuf>) -> Self {
        CapturedTraining {
            device,
            optimizer: config.optimizer.clone(),
            resumed_optimizer,
            recorded: Arc::default(),
        }
    }

    /// Whether the step, once captured, replays recorded launches (`false` before training, and
    /// where the backend has no graph support and re-runs the step).
    pub fn recorded(&self) -> Arc<AtomicBool> {
        self.recorded.clone()
    }

    /// One training epoch: the schedule's step, then each batch through the captured step
    /// (captured on the first batch of the run); the step's weights and optimiser state into
    /// the Learner at the end.
    fn train_epoch(
        &self,
        learner: &mut Learner<Mlp>,
        step: &mut Option<CapturedStep>,
        loader: &TrainLoader<Mlp>,
        processor: &mut SupervisedTrainingEventProcessor<Mlp>,
        interrupter: &Interrupter,
    ) {
        each_batch(loader.iter(), interrupter, |batch, progress, iteration| {
            let step = self.step_for(learner, step, &batch)?;
            let targets = batch.targets.clone();
            learner.lr_step();
            let lr = learner.lr_current();
            let output = step.step(batch, lr.base());
            // Copies: the step's own outputs are overwritten by the next replay, while the
            // metrics read them later, on another thread.
            let output = ClassificationOutput::new(
                output.loss.mul_scalar(1.0),
                output.logits.mul_scalar(1.0),
                targets,
            );
            let item = TrainingItem::new(output, progress, Some(iteration), Some(lr));
            Ok(processor.process_train(LearnerEvent::ProcessedItem(item))?)
        });
        let Some(step) = step.as_ref() else {
            return;
        };
        if let Some(model) = step.model() {
            learner.load_model(model.into_record());
        }
        match step.optimizer_record() {
            Some(Ok(record)) => learner.load_optim(record),
            Some(Err(err)) => {
                interrupter.fail(TrainingError::Checkpoint(CheckpointerError::Record(err)))
            }
            None => {}
        }
    }

    /// The run's captured step, captured on `batch` (the run's first) if there is none yet.
    fn step_for<'s>(
        &self,
        learner: &Learner<Mlp>,
        step: &'s mut Option<CapturedStep>,
        batch: &MnistBatch,
    ) -> Result<&'s mut CapturedStep, TrainingError> {
        let captured = match step.take() {
            Some(captured) => captured,
            None => {
                let model = learner.model();
                let optimizer = self.recorded_optimizer(&model)?;
                let captured = CapturedStep::capture(model, optimizer, batch.clone(), &self.device);
                self.recorded
                    .store(captured.is_recorded(), Ordering::Relaxed);
                captured
            }
        };
        Ok(step.insert(captured))
    }

    /// The recipe's optimiser for `model`, recorded with the step: from a resumed run's
    /// checkpoint, or fresh.
    fn recorded_optimizer(&self, model: &Mlp) -> Result<RecordedOptimizer, TrainingError> {
        let path = self.resumed_optimizer.as_ref();
        let fail = |err: burn::store::RecordError| {
            let file = path.map_or_else(String::new, |p| format!("{}: ", p.display()));
            TrainingError::Checkpoint(CheckpointerError::Unknown(format!(
                "{file}the optimiser's state for the captured step: {err}"
            )))
        };
        match path.map(OptimizerRecord::load).transpose().map_err(fail)? {
            Some(record) => {
                crate::optimizer_record::resume(&self.optimizer, record, model, &self.device)
                    .map_err(fail)
            }
            None => Ok(RecordedOptimizer::new(&self.optimizer, model, &self.device)),
        }
    }
}

/// One validation epoch, as Burn's single-device loop runs it.
fn valid_epoch(
    learner: &Learner<Mlp>,
    loader: &ValidLoader<Mlp>,
    processor: &mut SupervisedTrainingEventProcessor<Mlp>,
    interrupter: &Interrupter,
) {
    let model = learner.model().valid();
    each_batch(loader.iter(), interrupter, |batch, progress, iteration| {
        let output = InferenceStep::step(&model, batch);
        let item = TrainingItem::new(output, progress, Some(iteration), None);
        Ok(processor.process_valid(LearnerEvent::ProcessedItem(item))?)
    });
}

/// Runs `each` on every batch with its progress and iteration (from 1), as Burn's loops do:
/// until the loader or `each` fails (the interrupter gets the error) or a stop is asked for.
fn each_batch(
    mut batches: Box<dyn DataLoaderIterator<MnistBatch> + '_>,
    interrupter: &Interrupter,
    mut each: impl FnMut(MnistBatch, Progress, usize) -> Result<(), TrainingError>,
) {
    let mut iteration = 0;
    while let Some(batch) = batches.next() {
        iteration += 1;
        let done = batch
            .map_err(TrainingError::from)
            .and_then(|batch| each(batch, batches.progress(), iteration));
        if let Err(err) = done {
            interrupter.fail(err);
            break;
        }
        if interrupter.should_stop() {
            break;
        }
    }
}

impl SupervisedLearningStrategy<Mlp> for CapturedTraining {
    fn fit(
        &self,
        components: TrainingComponents<Mlp>,
        mut learner: Learner<Mlp>,
        train_loader: TrainLoader<Mlp>,
        valid_loader: ValidLoader<Mlp>,
        starting_epoch: usize,
    ) -> (Mlp, SupervisedTrainingEventProcessor<Mlp>) {
        let TrainingComponents {
            num_epochs,
            mut checkpointer,
            interrupter,
            mut early_stopping,
            mut event_processor,
            event_store,
            ..
        } = components;
        let autodiff = self.device.clone().autodiff();
        let train_loader = train_loader.to_device(&autodiff);
        let valid_loader = valid_loader.to_device(&self.device);
        learner.fork(&autodiff);
        let (train_items, valid_items) = (train_loader.num_items(), valid_loader.num_items());
        let mut step = None;

        for epoch in starting_epoch..=num_epochs {
            interrupter.fail_on_error(event_processor.process_train(LearnerEvent::StartSplit {
                epoch_number: epoch,
                total_items: train_items,
            }));
            self.train_epoch(
                &mut learner,
                &mut step,
                &train_loader,
                &mut event_processor,
                &interrupter,
            );
            interrupter.fail_on_error(event_processor.process_train(LearnerEvent::EndSplit(epoch)));
            if interrupter.should_stop() {
                break;
            }

            interrupter.fail_on_error(event_processor.process_valid(LearnerEvent::StartSplit {
                epoch_number: epoch,
                total_items: valid_items,
            }));
            valid_epoch(&learner, &valid_loader, &mut event_processor, &interrupter);
            interrupter.fail_on_error(event_processor.process_valid(LearnerEvent::EndSplit(epoch)));
            interrupter.fail_on_error(event_processor.process_train(LearnerEvent::EndEpoch(epoch)));
            if checkpointer.is_some() || early_stopping.is_some() {
                interrupter.fail_on_error(event_processor.flush());
            }
            if interrupter.should_stop() {
                break;
            }
            if let Some(checkpointer) = &mut checkpointer {
                checkpointer.checkpoint(&learner, epoch, &event_store);
            }
            if let Some(early_stopping) = &mut early_stopping {
                if early_stopping.should_stop(epoch, &event_store) {
                    break;
                }
            }
        }
        (learner.model(), event_processor)
    }
}
