// Outlier detection: one OutlierDetector per cluster with outlier_detection.
export {
  type EjectionReason,
  type HostOutlierView,
  OutlierDetector,
  type OutlierDetectorOptions,
} from "./outlier-detector.js";
