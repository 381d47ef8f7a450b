/**
 * The demo kiosk's technician PIN, published in README like the demo logins.
 * `npm start` gives the demo kiosk this hash (KIOSK_TECHNICIAN_PIN_HASH); a
 * site's kiosk has its own in `kiosk.technicianPinHash`, and the shell warns
 * at start-up when that is still the demo PIN.
 */
export const DEMO_TECHNICIAN_PIN = '2468';
export const DEMO_TECHNICIAN_PIN_HASH = 'scrypt$32768$8$1$Y665qsH2inyFjPVUQkSFXw==$3V+bK4RaezFlXr8FFhsN8rn8J9jGyWwxvKkh9UnDkb4=';
