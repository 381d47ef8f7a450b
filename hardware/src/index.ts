/**
 * The kiosk's serial hardware: drivers only. Virtual devices (which pull in
 * canvas and fonts) are in '@citizen/hardware/virtual'; test links in
 * '@citizen/hardware/testing'.
 */
export { HardwareError, HARDWARE_ERRORS, isHardwareError, type HardwareErrorCode } from './errors';
export { SerialDevice, describePort, type PortSelector, type UsbMatch, type SerialFraming, type SerialDeviceOptions, type SerialDeviceState, type SerialDeviceEvents, type SerialIo, type SerialBinding } from './serial/SerialDevice';
export { CardNumber, maskIdentifier, luhnValid, luhnDigit, type CardKind, type CardRead } from './card/CardNumber';
export { createCardParser, MagstripeParser, Em4100Parser, LineParser, type CardFrameParser, type CardRejectCode, type ParseEvent, type LineParserOptions } from './card/parsers';
export { CardReader, type CardReaderEvents, type CardReaderOptions } from './card/CardReader';
export { ReceiptPrinter, type PrinterHealth, type PrintJob, type PrintJobInfo, type PrintJobState, type BlockReason, type ReceiptPrinterEvents, type ReceiptPrinterOptions } from './printer/ReceiptPrinter';
export { buildDocument, chooseDocumentText, DOCUMENT_LIMITS, type DocumentInput, type DocumentText } from './printer/document';
export { buildReceipt, statusUrlFor, type BuiltReceipt, type ReceiptInput, type ReceiptSite, type PrinterModel } from './printer/receipt';
export { RECEIPT_LANGUAGES, NEXT_STEPS, RECEIPT_WORDING, FALLBACK_NOTE, type ReceiptLanguage, type NextStep } from './printer/receiptTemplates';
export { CODE_PAGES, CODE_PAGE_NAMES, canEncode, type CodePage, type CommandSet } from './printer/codePages';
export { isStatusByte, decodeStatus, statusByte, type PrinterCondition } from './printer/status';
export { PtyPair, PtyPairError } from './pty/PtyPair';
