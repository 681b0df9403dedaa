package tui

import (
	"charm.land/lipgloss/v2"
)

// Styles is the one theme of the program.
type Styles struct {
	App        lipgloss.Style
	Title      lipgloss.Style
	Subtitle   lipgloss.Style
	Label      lipgloss.Style
	Value      lipgloss.Style
	Muted      lipgloss.Style
	Error      lipgloss.Style
	Warn       lipgloss.Style
	OK         lipgloss.Style
	Selected   lipgloss.Style
	Panel      lipgloss.Style
	StatusBar  lipgloss.Style
	StatusOK   lipgloss.Style
	StatusBad  lipgloss.Style
	SourceCard lipgloss.Style
	SourceDB   lipgloss.Style
	SourceOld  lipgloss.Style
	Required   lipgloss.Style
	Help       lipgloss.Style
	Code       lipgloss.Style
}

// DefaultStyles returns the theme; colours are ANSI-16 so that the counter's
// old terminals and Windows consoles show them alike.
func DefaultStyles() Styles {
	return Styles{
		App:        lipgloss.NewStyle().Padding(0, 1),
		Title:      lipgloss.NewStyle().Bold(true).Foreground(lipgloss.Color("12")),
		Subtitle:   lipgloss.NewStyle().Bold(true),
		Label:      lipgloss.NewStyle().Foreground(lipgloss.Color("8")),
		Value:      lipgloss.NewStyle(),
		Muted:      lipgloss.NewStyle().Foreground(lipgloss.Color("8")),
		Error:      lipgloss.NewStyle().Foreground(lipgloss.Color("9")).Bold(true),
		Warn:       lipgloss.NewStyle().Foreground(lipgloss.Color("11")),
		OK:         lipgloss.NewStyle().Foreground(lipgloss.Color("10")),
		Selected:   lipgloss.NewStyle().Reverse(true),
		Panel:      lipgloss.NewStyle().Border(lipgloss.RoundedBorder()).Padding(0, 1),
		StatusBar:  lipgloss.NewStyle().Foreground(lipgloss.Color("7")),
		StatusOK:   lipgloss.NewStyle().Foreground(lipgloss.Color("10")),
		StatusBad:  lipgloss.NewStyle().Foreground(lipgloss.Color("9")),
		SourceCard: lipgloss.NewStyle().Foreground(lipgloss.Color("14")),
		SourceDB:   lipgloss.NewStyle().Foreground(lipgloss.Color("10")),
		SourceOld:  lipgloss.NewStyle().Foreground(lipgloss.Color("11")),
		Required:   lipgloss.NewStyle().Foreground(lipgloss.Color("9")),
		Help:       lipgloss.NewStyle().Foreground(lipgloss.Color("8")),
		Code:       lipgloss.NewStyle().Bold(true).Foreground(lipgloss.Color("11")),
	}
}
