/**
 * Wording of the public status page and lookup answers, in every receipt
 * language (the resident reads the page the receipt's QR code opens). Every
 * language has every key, every case status and every next step: the types
 * check it. Next steps are worded for a page the resident is already on
 * ("follow your case on this page"), so they are not the receipt's sentences.
 */
import type { CaseStatus, NextStep, ReceiptLanguage } from '@citizen/protocol';

export interface StatusWording {
  /** BCP 47 locale for dates and numbers. */
  locale: string;
  dir: 'ltr' | 'rtl';
  /** The language's own name, for the language links. */
  languageName: string;
  title: string;
  lookupTitle: string;
  reference: string;
  status: string;
  caseStatus: Record<CaseStatus, string>;
  nextStep: string;
  steps: Record<NextStep, string>;
  promisedBy: string;
  resolvedOn: string;
  received: string;
  place: string;
  achievedHeading: string;
  medianLabel: string;
  p90Label: string;
  p90Value: (duration: string) => string;
  basis: (windowDays: number) => string;
  achievedUnknown: string;
  lookupLabel: string;
  lookupHint: string;
  lookupButton: string;
  languages: string;
  privacy: string;
  errors: { malformed: string; mistyped: string; unknown: string; throttled: string; failed: string };
}

const EXAMPLE = 'BS-7K3Q-92XK';

export const STATUS_WORDING: Record<ReceiptLanguage, StatusWording> = {
  da: {
    locale: 'da-DK',
    dir: 'ltr',
    languageName: 'Dansk',
    title: 'Din henvendelse',
    lookupTitle: 'Følg din henvendelse',
    reference: 'Sagsnummer',
    status: 'Status',
    caseStatus: { received: 'Modtaget', 'in-progress': 'Under behandling', 'waiting-for-resident': 'Afventer dig', resolved: 'Afsluttet' },
    nextStep: 'Hvad sker der nu?',
    steps: {
      'answer-digital-post': 'Du får svar i Digital Post.',
      'bring-id': 'Medbring gyldigt billed-id, når du kommer igen.',
      'track-online': 'Følg sagen på denne side.',
      'book-appointment': 'Book en tid hos Borgerservice, hvis du vil tale med en medarbejder.',
      'agent-will-call': 'En medarbejder ringer dig op.',
    },
    promisedBy: 'Svar lovet senest',
    resolvedOn: 'Afsluttet den',
    received: 'Modtaget',
    place: 'Sted',
    achievedHeading: 'Så lang tid tager det typisk',
    medianLabel: 'Typisk svartid',
    p90Label: '9 ud af 10 sager',
    p90Value: (d) => `højst ${d}`,
    basis: (w) => `Sager om dette emne afsluttet de seneste ${w} dage.`,
    achievedUnknown: 'For få sager om dette emne er afsluttet for nylig til at vise en typisk svartid.',
    lookupLabel: 'Sagsnummer fra din kvittering',
    lookupHint: `Det ser sådan ud: ${EXAMPLE}`,
    lookupButton: 'Vis status',
    languages: 'Sprog',
    privacy: 'Siden viser ingen personoplysninger.',
    errors: {
      malformed: 'Det er ikke et sagsnummer. Et sagsnummer består af BS og otte bogstaver og tal.',
      mistyped: 'Sagsnummeret ser ud til at være tastet forkert. Tjek det med din kvittering.',
      unknown: 'Vi har ingen henvendelse med dette sagsnummer. Tjek det med din kvittering, eller spørg i Borgerservice.',
      throttled: 'For mange opslag fra din forbindelse. Vent et minut, og prøv igen.',
      failed: 'Der gik noget galt hos os. Prøv igen senere.',
    },
  },
  en: {
    locale: 'en-GB',
    dir: 'ltr',
    languageName: 'English',
    title: 'Your inquiry',
    lookupTitle: 'Follow your inquiry',
    reference: 'Reference',
    status: 'Status',
    caseStatus: { received: 'Received', 'in-progress': 'Being processed', 'waiting-for-resident': 'Waiting for you', resolved: 'Resolved' },
    nextStep: 'What happens next?',
    steps: {
      'answer-digital-post': 'You will get the answer in Digital Post.',
      'bring-id': 'Bring valid photo ID when you come back.',
      'track-online': 'Follow your case on this page.',
      'book-appointment': 'Book a time at Borgerservice to talk to a member of staff.',
      'agent-will-call': 'A member of staff will call you.',
    },
    promisedBy: 'Answer promised by',
    resolvedOn: 'Resolved on',
    received: 'Received',
    place: 'Place',
    achievedHeading: 'How long it usually takes',
    medianLabel: 'Typical response time',
    p90Label: '9 out of 10 cases',
    p90Value: (d) => `at most ${d}`,
    basis: (w) => `Cases on this topic resolved in the last ${w} days.`,
    achievedUnknown: 'Too few cases on this topic were resolved recently to show a typical time.',
    lookupLabel: 'Reference from your receipt',
    lookupHint: `It looks like ${EXAMPLE}`,
    lookupButton: 'Show status',
    languages: 'Language',
    privacy: 'This page shows no personal information.',
    errors: {
      malformed: 'That is not a reference. A reference is BS followed by eight letters and digits.',
      mistyped: 'This reference looks mistyped. Please check it against your receipt.',
      unknown: 'We have no inquiry with this reference. Check it against your receipt, or ask at Borgerservice.',
      throttled: 'Too many lookups from your connection. Please wait a minute and try again.',
      failed: 'Something went wrong on our side. Please try again later.',
    },
  },
  de: {
    locale: 'de-DE',
    dir: 'ltr',
    languageName: 'Deutsch',
    title: 'Ihr Anliegen',
    lookupTitle: 'Ihr Anliegen verfolgen',
    reference: 'Aktenzeichen',
    status: 'Status',
    caseStatus: { received: 'Eingegangen', 'in-progress': 'In Bearbeitung', 'waiting-for-resident': 'Wartet auf Sie', resolved: 'Erledigt' },
    nextStep: 'Wie geht es weiter?',
    steps: {
      'answer-digital-post': 'Sie erhalten die Antwort über Digital Post.',
      'bring-id': 'Bringen Sie beim nächsten Besuch einen gültigen Lichtbildausweis mit.',
      'track-online': 'Verfolgen Sie Ihren Fall auf dieser Seite.',
      'book-appointment': 'Buchen Sie einen Termin bei Borgerservice, um mit einem Mitarbeiter zu sprechen.',
      'agent-will-call': 'Ein Mitarbeiter ruft Sie an.',
    },
    promisedBy: 'Antwort zugesagt bis',
    resolvedOn: 'Erledigt am',
    received: 'Eingegangen am',
    place: 'Ort',
    achievedHeading: 'So lange dauert es üblicherweise',
    medianLabel: 'Typische Bearbeitungszeit',
    p90Label: 'Bei 9 von 10 Fällen',
    p90Value: (d) => `höchstens ${d}`,
    basis: (w) => `Fälle zu diesem Thema, erledigt in den letzten ${w} Tagen.`,
    achievedUnknown: 'Zu diesem Thema wurden zuletzt zu wenige Fälle erledigt, um eine typische Zeit anzugeben.',
    lookupLabel: 'Aktenzeichen von Ihrer Quittung',
    lookupHint: `Es sieht so aus: ${EXAMPLE}`,
    lookupButton: 'Status anzeigen',
    languages: 'Sprache',
    privacy: 'Diese Seite zeigt keine personenbezogenen Daten.',
    errors: {
      malformed: 'Das ist kein Aktenzeichen. Ein Aktenzeichen besteht aus BS und acht Buchstaben und Ziffern.',
      mistyped: 'Das Aktenzeichen scheint falsch eingegeben zu sein. Bitte vergleichen Sie es mit Ihrer Quittung.',
      unknown: 'Wir haben kein Anliegen mit diesem Aktenzeichen. Vergleichen Sie es mit Ihrer Quittung oder fragen Sie bei Borgerservice.',
      throttled: 'Zu viele Abfragen von Ihrer Verbindung. Bitte warten Sie eine Minute und versuchen Sie es erneut.',
      failed: 'Bei uns ist etwas schiefgelaufen. Bitte versuchen Sie es später erneut.',
    },
  },
  pl: {
    locale: 'pl-PL',
    dir: 'ltr',
    languageName: 'Polski',
    title: 'Twoja sprawa',
    lookupTitle: 'Śledź swoją sprawę',
    reference: 'Numer sprawy',
    status: 'Status',
    caseStatus: { received: 'Przyjęta', 'in-progress': 'W trakcie rozpatrywania', 'waiting-for-resident': 'Czekamy na Ciebie', resolved: 'Załatwiona' },
    nextStep: 'Co dalej?',
    steps: {
      'answer-digital-post': 'Odpowiedź otrzymasz przez Digital Post.',
      'bring-id': 'Przy następnej wizycie zabierz ważny dokument ze zdjęciem.',
      'track-online': 'Śledź sprawę na tej stronie.',
      'book-appointment': 'Umów wizytę w Borgerservice, aby porozmawiać z pracownikiem.',
      'agent-will-call': 'Pracownik do Ciebie zadzwoni.',
    },
    promisedBy: 'Odpowiedź obiecana do',
    resolvedOn: 'Załatwiona dnia',
    received: 'Przyjęta dnia',
    place: 'Miejsce',
    achievedHeading: 'Ile to zwykle trwa',
    medianLabel: 'Typowy czas odpowiedzi',
    p90Label: 'W 9 na 10 spraw',
    p90Value: (d) => `najwyżej ${d}`,
    basis: (w) => `Sprawy w tym temacie załatwione w ciągu ostatnich ${w} dni.`,
    achievedUnknown: 'Ostatnio załatwiono zbyt mało spraw w tym temacie, aby podać typowy czas.',
    lookupLabel: 'Numer sprawy z potwierdzenia',
    lookupHint: `Wygląda tak: ${EXAMPLE}`,
    lookupButton: 'Pokaż status',
    languages: 'Język',
    privacy: 'Ta strona nie pokazuje danych osobowych.',
    errors: {
      malformed: 'To nie jest numer sprawy. Numer sprawy składa się z BS oraz ośmiu liter i cyfr.',
      mistyped: 'Numer sprawy wygląda na błędnie wpisany. Porównaj go z potwierdzeniem.',
      unknown: 'Nie mamy sprawy o tym numerze. Porównaj go z potwierdzeniem lub zapytaj w Borgerservice.',
      throttled: 'Zbyt wiele zapytań z Twojego połączenia. Odczekaj minutę i spróbuj ponownie.',
      failed: 'Coś poszło nie tak po naszej stronie. Spróbuj ponownie później.',
    },
  },
  uk: {
    locale: 'uk-UA',
    dir: 'ltr',
    languageName: 'Українська',
    title: 'Ваше звернення',
    lookupTitle: 'Стежте за своїм зверненням',
    reference: 'Номер справи',
    status: 'Статус',
    caseStatus: { received: 'Отримано', 'in-progress': 'Опрацьовується', 'waiting-for-resident': 'Очікуємо на вас', resolved: 'Вирішено' },
    nextStep: 'Що далі?',
    steps: {
      'answer-digital-post': 'Відповідь надійде в Digital Post.',
      'bring-id': 'Візьміть дійсне посвідчення з фото, коли прийдете знову.',
      'track-online': 'Стежте за справою на цій сторінці.',
      'book-appointment': 'Запишіться до Borgerservice, щоб поговорити з працівником.',
      'agent-will-call': 'Працівник вам зателефонує.',
    },
    promisedBy: 'Відповідь обіцяна до',
    resolvedOn: 'Вирішено',
    received: 'Отримано',
    place: 'Місце',
    achievedHeading: 'Скільки це зазвичай триває',
    medianLabel: 'Типовий час відповіді',
    p90Label: 'У 9 з 10 справ',
    p90Value: (d) => `не більше ніж ${d}`,
    basis: (w) => `Справи на цю тему, вирішені за останні ${w} днів.`,
    achievedUnknown: 'Останнім часом вирішено замало справ на цю тему, щоб показати типовий час.',
    lookupLabel: 'Номер справи з квитанції',
    lookupHint: `Він має такий вигляд: ${EXAMPLE}`,
    lookupButton: 'Показати статус',
    languages: 'Мова',
    privacy: 'Ця сторінка не показує персональних даних.',
    errors: {
      malformed: 'Це не номер справи. Номер справи складається з BS і восьми літер та цифр.',
      mistyped: 'Схоже, номер справи введено з помилкою. Звірте його з квитанцією.',
      unknown: 'Звернення з таким номером немає. Звірте його з квитанцією або запитайте в Borgerservice.',
      throttled: 'Забагато запитів з вашого з’єднання. Зачекайте хвилину і спробуйте ще раз.',
      failed: 'Щось пішло не так з нашого боку. Спробуйте пізніше.',
    },
  },
  ar: {
    locale: 'ar',
    dir: 'rtl',
    languageName: 'العربية',
    title: 'طلبك',
    lookupTitle: 'تابع طلبك',
    reference: 'رقم القضية',
    status: 'الحالة',
    caseStatus: { received: 'تم الاستلام', 'in-progress': 'قيد المعالجة', 'waiting-for-resident': 'بانتظارك', resolved: 'تم الحل' },
    nextStep: 'ماذا بعد؟',
    steps: {
      'answer-digital-post': 'ستصلك الإجابة عبر Digital Post.',
      'bring-id': 'أحضر هوية سارية بصورة عند عودتك.',
      'track-online': 'تابع قضيتك على هذه الصفحة.',
      'book-appointment': 'احجز موعدًا في Borgerservice للتحدث مع موظف.',
      'agent-will-call': 'سيتصل بك موظف.',
    },
    promisedBy: 'موعد الرد المتوقع',
    resolvedOn: 'تاريخ الحل',
    received: 'تاريخ الاستلام',
    place: 'المكان',
    achievedHeading: 'كم يستغرق ذلك عادةً',
    medianLabel: 'مدة الرد المعتادة',
    p90Label: '9 من كل 10 حالات',
    p90Value: (d) => `${d} كحد أقصى`,
    basis: (w) => `الحالات المتعلقة بهذا الموضوع التي تم حلها خلال آخر ${w} يومًا.`,
    achievedUnknown: 'عدد الحالات التي تم حلها مؤخرًا في هذا الموضوع قليل جدًا لعرض مدة معتادة.',
    lookupLabel: 'رقم القضية من إيصالك',
    lookupHint: `يبدو هكذا: ${EXAMPLE}`,
    lookupButton: 'عرض الحالة',
    languages: 'اللغة',
    privacy: 'لا تعرض هذه الصفحة أي بيانات شخصية.',
    errors: {
      malformed: 'هذا ليس رقم قضية. يتكون رقم القضية من BS وثمانية أحرف وأرقام.',
      mistyped: 'يبدو أن رقم القضية مكتوب بشكل خاطئ. يرجى مقارنته بإيصالك.',
      unknown: 'لا يوجد طلب بهذا الرقم. قارنه بإيصالك أو اسأل في Borgerservice.',
      throttled: 'عدد كبير جدًا من الاستعلامات من اتصالك. يرجى الانتظار دقيقة والمحاولة مرة أخرى.',
      failed: 'حدث خطأ من جانبنا. يرجى المحاولة لاحقًا.',
    },
  },
};
