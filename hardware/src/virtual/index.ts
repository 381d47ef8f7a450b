export { VirtualPrinter, type VirtualPrinterOptions, type PrintedReceipt, type VirtualPrinterEvents } from './VirtualPrinter';
export { VirtualCardReader } from './VirtualCardReader';
export { VirtualSerialDevice, type VirtualDeviceOptions } from './VirtualSerialDevice';
export { EscPosDecoder, receiptToText, receiptPlainText, type DecodedReceipt, type ReceiptBlock, type Span } from './EscPosDecoder';
export { receiptToPng } from './receiptImage';
export { CARD_KINDS, DEMO_CARDS, frameFor, magstripeFrame, em4100Frame, barcodeFrame } from './cardFrames';
