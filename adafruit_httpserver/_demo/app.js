document.getElementById("status").textContent =
  "The script loaded too: " + new Date().toLocaleTimeString();
