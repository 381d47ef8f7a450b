/**
 * What the call asks of camera and microphone, in one place: the first
 * getUserMedia of a call and "camera on again" must ask for the same thing.
 */
export const MICROPHONE: MediaTrackConstraints = { echoCancellation: true, noiseSuppression: true, autoGainControl: true };
export const CAMERA: MediaTrackConstraints = { width: { ideal: 1280 }, height: { ideal: 720 }, frameRate: { ideal: 30 } };

export function localMediaConstraints(want: { audio: boolean; video: boolean }): MediaStreamConstraints {
  return { audio: want.audio ? MICROPHONE : false, video: want.video ? CAMERA : false };
}
