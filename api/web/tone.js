// The alarm tone: a two-tone beep every 3 s while a critical alarm is unacknowledged.
// Browsers start audio only after a user gesture: until then `banner` asks for one.

export function alarmTone(banner) {
  let context = null;
  let timer = null;

  const audio = () => (context ||= new (window.AudioContext || window.webkitAudioContext)());

  function beep() {
    if (!context || context.state !== "running") {
      banner.hidden = false;
      return;
    }
    for (const [offset, frequency] of [[0, 880], [0.35, 660]]) {
      const oscillator = context.createOscillator();
      const gain = context.createGain();
      const at = context.currentTime + offset;
      oscillator.frequency.value = frequency;
      gain.gain.setValueAtTime(0.2, at);
      gain.gain.exponentialRampToValueAtTime(0.001, at + 0.3);
      oscillator.connect(gain).connect(context.destination);
      oscillator.start(at);
      oscillator.stop(at + 0.3);
    }
  }

  return {
    // Sound while `needed`, silence (and no banner) otherwise.
    update(needed) {
      if (!needed) {
        clearInterval(timer);
        timer = null;
        banner.hidden = true;
        return;
      }
      banner.hidden = audio().state === "running";
      if (!timer) {
        beep();
        timer = setInterval(beep, 3000);
      }
    },
    // The banner's button: the gesture that lets audio start.
    async enable() {
      await audio().resume();
      banner.hidden = context.state === "running";
      beep();
    },
  };
}
