export { PtyPair, PtyPairError } from './pty/PtyPair';
export { VirtualPrinter, statusByte, type PrinterCondition } from './virtual/VirtualPrinter';
export { VirtualCardReader } from './virtual/VirtualCardReader';
