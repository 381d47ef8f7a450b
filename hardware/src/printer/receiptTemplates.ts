/**
 * Receipt wording per language. Every language has every key (the type checks
 * it). Next steps are a fixed catalogue so that each one exists in every
 * language, including the fallback the printer can always print.
 */

import type { NextStep, ReceiptLanguage } from '@citizen/protocol';

export { RECEIPT_LANGUAGES, NEXT_STEPS, type ReceiptLanguage, type NextStep } from '@citizen/protocol';

export interface ReceiptWording {
  /** BCP 47 locale for dates and times. */
  locale: string;
  title: string;
  reference: string;
  date: string;
  time: string;
  place: string;
  nextSteps: string;
  scan: string;
  /** Label of the promised answer date (the municipality's service standard). */
  answerBy: string;
  /** What is achieved now, next to the promise: half of the cases resolved within `days`. */
  achieved: (days: number) => string;
  steps: Record<NextStep, string>;
}

export const RECEIPT_WORDING: Record<ReceiptLanguage, ReceiptWording> = {
  da: {
    locale: 'da-DK',
    title: 'Kvittering for din henvendelse',
    reference: 'Sagsnummer',
    date: 'Dato',
    time: 'Tid',
    place: 'Sted',
    nextSteps: 'Hvad sker der nu?',
    scan: 'Scan koden for at følge din sag',
    answerBy: 'Svar senest',
    achieved: (d) => `Lige nu afsluttes halvdelen af sagerne inden for ${d} dage.`,
    steps: {
      'answer-digital-post': 'Du får svar i Digital Post.',
      'bring-id': 'Medbring gyldigt billed-id, når du kommer igen.',
      'track-online': 'Følg sagen på adressen under QR-koden.',
      'book-appointment': 'Book en tid hos Borgerservice, hvis du vil tale med en medarbejder.',
      'agent-will-call': 'En medarbejder ringer dig op.',
    },
  },
  nb: {
    locale: 'nb-NO',
    title: 'Kvittering for henvendelsen din',
    reference: 'Saksnummer',
    date: 'Dato',
    time: 'Tid',
    place: 'Sted',
    nextSteps: 'Hva skjer nå?',
    scan: 'Skann koden for å følge saken din',
    answerBy: 'Svar innen',
    achieved: (d) => `Akkurat nå blir halvparten av sakene avsluttet innen ${d} dager.`,
    steps: {
      'answer-digital-post': 'Du får svar i Digital Post.',
      'bring-id': 'Ta med gyldig legitimasjon med bilde når du kommer tilbake.',
      'track-online': 'Følg saken på adressen under QR-koden.',
      'book-appointment': 'Bestill time hos Borgerservice hvis du vil snakke med en medarbeider.',
      'agent-will-call': 'En medarbeider ringer deg.',
    },
  },
  nn: {
    locale: 'nn-NO',
    title: 'Kvittering for førespurnaden din',
    reference: 'Saksnummer',
    date: 'Dato',
    time: 'Tid',
    place: 'Stad',
    nextSteps: 'Kva skjer no?',
    scan: 'Skann koden for å følgje saka di',
    answerBy: 'Svar innan',
    achieved: (d) => `Akkurat no blir halvparten av sakene avslutta innan ${d} dagar.`,
    steps: {
      'answer-digital-post': 'Du får svar i Digital Post.',
      'bring-id': 'Ta med gyldig legitimasjon med bilete når du kjem tilbake.',
      'track-online': 'Følg saka på adressa under QR-koden.',
      'book-appointment': 'Bestill time hos Borgerservice dersom du vil snakke med ein medarbeidar.',
      'agent-will-call': 'Ein medarbeidar ringjer deg.',
    },
  },
  en: {
    locale: 'en-GB',
    title: 'Receipt for your inquiry',
    reference: 'Reference',
    date: 'Date',
    time: 'Time',
    place: 'Place',
    nextSteps: 'What happens next?',
    scan: 'Scan the code to follow your case',
    answerBy: 'Answer by',
    achieved: (d) => `Right now, half of all cases are resolved within ${d} days.`,
    steps: {
      'answer-digital-post': 'You will get the answer in Digital Post.',
      'bring-id': 'Bring valid photo ID when you come back.',
      'track-online': 'Follow your case at the address below the QR code.',
      'book-appointment': 'Book a time at Borgerservice to talk to a member of staff.',
      'agent-will-call': 'A member of staff will call you.',
    },
  },
  de: {
    locale: 'de-DE',
    title: 'Quittung für Ihr Anliegen',
    reference: 'Aktenzeichen',
    date: 'Datum',
    time: 'Uhrzeit',
    place: 'Ort',
    nextSteps: 'Wie geht es weiter?',
    scan: 'Code scannen, um Ihren Fall zu verfolgen',
    answerBy: 'Antwort bis',
    achieved: (d) => `Derzeit wird die Hälfte der Fälle innerhalb von ${d} Tagen erledigt.`,
    steps: {
      'answer-digital-post': 'Sie erhalten die Antwort über Digital Post.',
      'bring-id': 'Bringen Sie beim nächsten Besuch einen gültigen Lichtbildausweis mit.',
      'track-online': 'Verfolgen Sie Ihren Fall unter der Adresse unter dem QR-Code.',
      'book-appointment': 'Buchen Sie einen Termin bei Borgerservice, um mit einem Mitarbeiter zu sprechen.',
      'agent-will-call': 'Ein Mitarbeiter ruft Sie an.',
    },
  },
  pl: {
    locale: 'pl-PL',
    title: 'Potwierdzenie Twojej sprawy',
    reference: 'Numer sprawy',
    date: 'Data',
    time: 'Godzina',
    place: 'Miejsce',
    nextSteps: 'Co dalej?',
    scan: 'Zeskanuj kod, aby śledzić sprawę',
    answerBy: 'Odpowiedź do',
    achieved: (d) => `Obecnie połowa spraw jest załatwiana w ciągu ${d} dni.`,
    steps: {
      'answer-digital-post': 'Odpowiedź otrzymasz przez Digital Post.',
      'bring-id': 'Przy następnej wizycie zabierz ważny dokument ze zdjęciem.',
      'track-online': 'Śledź sprawę pod adresem poniżej kodu QR.',
      'book-appointment': 'Umów wizytę w Borgerservice, aby porozmawiać z pracownikiem.',
      'agent-will-call': 'Pracownik do Ciebie zadzwoni.',
    },
  },
  uk: {
    locale: 'uk-UA',
    title: 'Квитанція про ваше звернення',
    reference: 'Номер справи',
    date: 'Дата',
    time: 'Час',
    place: 'Місце',
    nextSteps: 'Що далі?',
    scan: 'Скануйте код, щоб стежити за справою',
    answerBy: 'Відповідь до',
    achieved: (d) => `Зараз половину справ вирішують протягом ${d} днів.`,
    steps: {
      'answer-digital-post': 'Відповідь надійде в Digital Post.',
      'bring-id': 'Візьміть дійсне посвідчення з фото, коли прийдете знову.',
      'track-online': 'Стежте за справою за адресою під QR-кодом.',
      'book-appointment': 'Запишіться до Borgerservice, щоб поговорити з працівником.',
      'agent-will-call': 'Працівник вам зателефонує.',
    },
  },
  ar: {
    locale: 'ar',
    title: 'إيصال طلبك',
    reference: 'رقم القضية',
    date: 'التاريخ',
    time: 'الوقت',
    place: 'المكان',
    nextSteps: 'ماذا بعد؟',
    scan: 'امسح الرمز لمتابعة قضيتك',
    answerBy: 'الرد قبل',
    achieved: (d) => `حاليًا تُنجز نصف القضايا خلال ${d} أيام.`,
    steps: {
      'answer-digital-post': 'ستصلك الإجابة عبر Digital Post.',
      'bring-id': 'أحضر هوية سارية بصورة عند عودتك.',
      'track-online': 'تابع قضيتك على العنوان أسفل رمز QR.',
      'book-appointment': 'احجز موعدًا في Borgerservice للتحدث مع موظف.',
      'agent-will-call': 'سيتصل بك موظف.',
    },
  },  ur: {
    locale: 'ur-PK',
    title: 'آپ کی درخواست کی رسید',
    reference: 'کیس نمبر',
    date: 'تاریخ',
    time: 'وقت',
    place: 'مقام',
    nextSteps: 'آگے کیا ہوگا؟',
    scan: 'اپنے کیس کی پیروی کے لیے کوڈ اسکین کریں',
    answerBy: 'جواب کی آخری تاریخ',
    achieved: (d) => `اس وقت آدھے کیس ${d} دنوں کے اندر نمٹا دیے جاتے ہیں۔`,
    steps: {
      'answer-digital-post': 'آپ کو جواب Digital Post میں ملے گا۔',
      'bring-id': 'واپس آتے وقت تصویر والی درست شناختی دستاویز ساتھ لائیں۔',
      'track-online': 'QR کوڈ کے نیچے دیے گئے پتے پر اپنے کیس کی پیروی کریں۔',
      'book-appointment': 'عملے کے کسی رکن سے بات کرنے کے لیے Borgerservice میں وقت بک کریں۔',
      'agent-will-call': 'عملے کا ایک رکن آپ کو کال کرے گا۔',
    },
  },
  // No apostrophes (Somali writes its glottal stop with one): a straight one would look wrong and ’ is not in the Western code pages, so Somali prints on PC858/PC865 as it is.
  so: {
    locale: 'so-SO',
    title: 'Rasiidka codsigaaga',
    reference: 'Lambarka kiiska',
    date: 'Taariikhda',
    time: 'Waqtiga',
    place: 'Goobta',
    nextSteps: 'Maxaa xiga?',
    scan: 'Iskaan garee koodhka si aad ula socoto kiiskaaga',
    answerBy: 'Jawaabta ugu dambayn',
    achieved: (d) => `Hadda, kala badh kiisaska waxaa la xalliyaa ${d} maalmood gudahood.`,
    steps: {
      'answer-digital-post': 'Jawaabta waxaad ka heli doontaa Digital Post.',
      'bring-id': 'Keen aqoonsi sax ah oo sawir leh markaad soo noqoto.',
      'track-online': 'Kula soco kiiskaaga cinwaanka ka hooseeya koodhka QR.',
      'book-appointment': 'Ballan ka qabso Borgerservice haddii aad rabto inaad la hadasho shaqaale.',
      'agent-will-call': 'Shaqaale ayaa ku soo wici doona.',
    },
  },
};

/**
 * Printed (in English, the most widely read second language) when the
 * resident's language cannot be printed with the printer's code page.
 */
export const FALLBACK_NOTE = 'Your language cannot be printed on this printer. The screen shows the reference and the QR code.';
