import { emptyCounts, emptyDelta, emptyFigures, SEPARATOR, type CellDelta, type ExperimentDelta, type MetricFigures, type SeriesCellDelta, type VariantDelta } from './delta';
import type { ExperimentEvent } from './events';
import type { PersonContribution } from './person-state';

const emptyCell = (): CellDelta => ({ persons: 0, metrics: {} });

/** Gathers what a batch of input records changes, as one delta per experiment (increments sum). */
export class DeltaCollector {
  private readonly byExperiment = new Map<string, ExperimentDelta>();
  private receivedAt = 0;

  /** The receive time of the event whose changes follow (the deltas carry the newest). */
  at(receivedAt: number): this {
    this.receivedAt = receivedAt;
    return this;
  }

  counts(event: ExperimentEvent, first: boolean): void {
    const variant = this.variant(this.delta(event.experimentId, event.experimentName), event.variantId);
    variant.variant_name = event.variantName;
    if (event.kind === 'view') {
      variant.total_views += 1;
      if (first) variant.unique_views += 1;
    } else {
      variant.total_clicks += 1;
      if (first) variant.unique_clicks += 1;
    }
  }

  switcher(event: ExperimentEvent): void {
    this.delta(event.experimentId, event.experimentName).variant_switchers += 1;
  }

  started(event: ExperimentEvent, exposedAt: number): void {
    const delta = this.delta(event.experimentId, event.experimentName);
    delta.started_at = delta.started_at === null ? exposedAt : Math.min(delta.started_at, exposedAt);
  }

  /** Adds `sign ×` a person's contribution to their variant, breakdown cells and series cells. */
  contribution(experimentId: string, contribution: PersonContribution | undefined, sign: 1 | -1): void {
    if (!contribution) return;
    const delta = this.delta(experimentId, experimentId);
    const cells: CellDelta[] = [this.variant(delta, contribution.variant)];
    for (const [dimension, value] of Object.entries(contribution.dims)) {
      cells.push((delta.breakdowns[[dimension, value, contribution.variant].join(SEPARATOR)] ??= emptyCell()));
    }
    const exposedCell = this.seriesCell(delta, contribution.exposedHour, contribution.variant);
    exposedCell.persons += sign;
    for (const cell of cells) cell.persons += sign;
    for (const [metricId, metric] of contribution.metrics) {
      delta.metric_types[metricId] = metric.type;
      for (const cell of cells) {
        const figures = (cell.metrics[metricId] ??= emptyFigures());
        figures.persons_converted += sign * metric.converted;
        figures.event_count += sign * metric.count;
        figures.sum += sign * metric.total;
        figures.sum_squares += sign * metric.total * metric.total;
      }
      if (metric.x !== null) {
        const variantFigures = cells[0]?.metrics[metricId] as MetricFigures;
        const sums = (variantFigures.cuped ??= { sum_x: 0, sum_x_squares: 0, sum_xy: 0 });
        sums.sum_x += sign * metric.x;
        sums.sum_x_squares += sign * metric.x * metric.x;
        sums.sum_xy += sign * metric.x * metric.total;
      }
      if (metric.firstHour !== null) this.seriesMetric(this.seriesCell(delta, metric.firstHour, contribution.variant), metricId).persons_converted += sign;
      for (const [hour, { count, increase }] of metric.byHour) {
        const figures = this.seriesMetric(this.seriesCell(delta, hour, contribution.variant), metricId);
        figures.event_count += sign * count;
        figures.sum += sign * increase;
      }
    }
  }

  /** The deltas, without cells whose increments cancelled out. */
  deltas(): ExperimentDelta[] {
    const result = [...this.byExperiment.values()];
    for (const delta of result) {
      for (const cells of [delta.breakdowns, delta.series]) {
        for (const [key, cell] of Object.entries(cells)) if (pruneCell(cell)) delete cells[key];
      }
      for (const variant of Object.values(delta.variants)) pruneCell(variant);
    }
    return result;
  }

  private delta(experimentId: string, experimentName: string): ExperimentDelta {
    let delta = this.byExperiment.get(experimentId);
    if (!delta) {
      delta = emptyDelta(experimentId, experimentName);
      this.byExperiment.set(experimentId, delta);
    } else if (delta.experiment_name === experimentId) {
      delta.experiment_name = experimentName;
    }
    if (this.receivedAt > delta.last_received_at) delta.last_received_at = this.receivedAt;
    return delta;
  }

  private variant(delta: ExperimentDelta, variantId: string): VariantDelta {
    return (delta.variants[variantId] ??= { ...emptyCounts(''), ...emptyCell() });
  }

  private seriesCell(delta: ExperimentDelta, hour: number, variantId: string): SeriesCellDelta {
    return (delta.series[`${hour}${SEPARATOR}${variantId}`] ??= { persons: 0, metrics: {} });
  }

  private seriesMetric(cell: SeriesCellDelta, metricId: string): SeriesCellDelta['metrics'][string] {
    return (cell.metrics[metricId] ??= { persons_converted: 0, event_count: 0, sum: 0 });
  }
}

const isZero = (figures: object): boolean => Object.values(figures).every((v) => v === 0 || (typeof v === 'object' && v !== null && isZero(v as object)));

/** Drops metric entries that are all zero; true when the whole cell is zero. */
function pruneCell(cell: { persons: number; metrics: Record<string, object> }): boolean {
  for (const [id, figures] of Object.entries(cell.metrics)) if (isZero(figures)) delete cell.metrics[id];
  return cell.persons === 0 && Object.keys(cell.metrics).length === 0;
}
