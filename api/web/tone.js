// The console's sounds: the alarm tone (a high two-tone beep every 3 s while a critical
// alarm is unacknowledged) and the connection-lost tone (three low pulses every 6 s once
// the stream has been gone 30 s), told apart by ear. Browsers start audio only after a user
// gesture: the blocking prompt (sound.js) is that gesture, after every sign-in and reload.

export function alarmTone() {
  let context = null;
  const timers = { alarm: null, lost: null };

  const audio = () => (context ||= new (window.AudioContext || window.webkitAudioContext)());

  function play(notes) {
    if (!context || context.state !== "running") return;
    for (const [offset, frequency, length] of notes) {
      const oscillator = context.createOscillator();
      const gain = context.createGain();
      const at = context.currentTime + offset;
      oscillator.type = frequency < 500 ? "square" : "sine";
      oscillator.frequency.value = frequency;
      gain.gain.setValueAtTime(0.2, at);
      gain.gain.exponentialRampToValueAtTime(0.001, at + length);
      oscillator.connect(gain).connect(context.destination);
      oscillator.start(at);
      oscillator.stop(at + length);
    }
  }

  const SOUNDS = {
    alarm: { notes: [[0, 880, 0.3], [0.35, 660, 0.3]], every: 3000 },
    lost: { notes: [[0, 330, 0.15], [0.25, 330, 0.15], [0.5, 247, 0.4]], every: 6000 },
  };

  function loop(name, on) {
    if (!on) {
      clearInterval(timers[name]);
      timers[name] = null;
      return;
    }
    if (timers[name]) return;
    const { notes, every } = SOUNDS[name];
    play(notes);
    timers[name] = setInterval(() => play(notes), every);
  }

  return {
    update: (needed) => loop("alarm", needed), // an unacknowledged critical alarm
    lost: (on) => loop("lost", on), // the stream gone for 30 s
    get running() { return Boolean(context) && context.state === "running"; },
    get lostOn() { return Boolean(timers.lost); },
    // The prompt's button: the gesture that lets audio start.
    async enable() {
      await audio().resume();
      play([[0, 660, 0.12]]);
    },
  };
}
