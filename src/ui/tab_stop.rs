//! Keyboard reach for controls iced cannot focus (buttons, togglers, checkboxes): a
//! [`TabStop`] wraps one, takes part in Tab/Shift+Tab focus traversal like a text field, shows
//! a ring while focused, and turns Enter or Space into a click at the control's centre, so
//! the control does exactly what a mouse click would (including when it is disabled: nothing).

use iced::advanced::layout::{self, Layout};
use iced::advanced::widget::operation::Focusable;
use iced::advanced::widget::{Operation, Tree, tree};
use iced::advanced::{Clipboard, Shell, Widget, mouse, overlay, renderer};
use iced::keyboard::{self, key::Named};
use iced::{Border, Color, Element, Event, Length, Rectangle, Renderer, Size, Theme, Vector};

/// A control reachable with Tab.
pub struct TabStop<'a, Message> {
    content: Element<'a, Message>,
}

/// Wraps `content` (a button or another clickable control) so that Tab reaches it.
pub fn tab_stop<'a, Message: 'a>(content: impl Into<Element<'a, Message>>) -> TabStop<'a, Message> {
    TabStop {
        content: content.into(),
    }
}

/// Whether the wrapped control has the keyboard focus.
#[derive(Debug, Default, Clone, Copy)]
struct State {
    focused: bool,
}

impl Focusable for State {
    fn is_focused(&self) -> bool {
        self.focused
    }

    fn focus(&mut self) {
        self.focused = true;
    }

    fn unfocus(&mut self) {
        self.focused = false;
    }
}

/// Whether `event` activates a focused control: Enter or Space without modifiers.
fn activates(event: &Event) -> bool {
    match event {
        Event::Keyboard(keyboard::Event::KeyPressed { key, modifiers, .. }) => {
            modifiers.is_empty()
                && matches!(
                    key.as_ref(),
                    keyboard::Key::Named(Named::Enter | Named::Space)
                )
        }
        _ => false,
    }
}

impl<Message> Widget<Message, Theme, Renderer> for TabStop<'_, Message> {
    fn tag(&self) -> tree::Tag {
        tree::Tag::of::<State>()
    }

    fn state(&self) -> tree::State {
        tree::State::new(State::default())
    }

    fn children(&self) -> Vec<Tree> {
        vec![Tree::new(&self.content)]
    }

    fn diff(&self, tree: &mut Tree) {
        tree.diff_children(std::slice::from_ref(&self.content));
    }

    fn size(&self) -> Size<Length> {
        self.content.as_widget().size()
    }

    fn layout(
        &mut self,
        tree: &mut Tree,
        renderer: &Renderer,
        limits: &layout::Limits,
    ) -> layout::Node {
        self.content
            .as_widget_mut()
            .layout(&mut tree.children[0], renderer, limits)
    }

    fn operate(
        &mut self,
        tree: &mut Tree,
        layout: Layout<'_>,
        renderer: &Renderer,
        operation: &mut dyn Operation,
    ) {
        let state: &mut State = tree.state.downcast_mut();
        operation.focusable(None, layout.bounds(), state);
        self.content
            .as_widget_mut()
            .operate(&mut tree.children[0], layout, renderer, operation);
    }

    fn update(
        &mut self,
        tree: &mut Tree,
        event: &Event,
        layout: Layout<'_>,
        cursor: mouse::Cursor,
        renderer: &Renderer,
        clipboard: &mut dyn Clipboard,
        shell: &mut Shell<'_, Message>,
        viewport: &Rectangle,
    ) {
        let focused = tree.state.downcast_ref::<State>().focused;
        if focused && activates(event) {
            // A press and a release at the centre: what a click does, the control decides.
            // Each half gets a shell of its own: the press captures its event, which would
            // make the control ignore the release in the same shell.
            let centre = mouse::Cursor::Available(layout.bounds().center());
            for click in [
                mouse::Event::ButtonPressed(mouse::Button::Left),
                mouse::Event::ButtonReleased(mouse::Button::Left),
            ] {
                let mut messages = Vec::new();
                let mut inner = Shell::new(&mut messages);
                self.content.as_widget_mut().update(
                    &mut tree.children[0],
                    &Event::Mouse(click),
                    layout,
                    centre,
                    renderer,
                    clipboard,
                    &mut inner,
                    viewport,
                );
                shell.merge(inner, |m| m);
            }
            shell.capture_event();
            shell.request_redraw();
            return;
        }
        if let Event::Mouse(mouse::Event::ButtonPressed(_)) = event {
            // The mouse took over: no ring left behind.
            if focused {
                tree.state.downcast_mut::<State>().unfocus();
                shell.request_redraw();
            }
        }
        self.content.as_widget_mut().update(
            &mut tree.children[0],
            event,
            layout,
            cursor,
            renderer,
            clipboard,
            shell,
            viewport,
        );
    }

    fn mouse_interaction(
        &self,
        tree: &Tree,
        layout: Layout<'_>,
        cursor: mouse::Cursor,
        viewport: &Rectangle,
        renderer: &Renderer,
    ) -> mouse::Interaction {
        self.content.as_widget().mouse_interaction(
            &tree.children[0],
            layout,
            cursor,
            viewport,
            renderer,
        )
    }

    fn draw(
        &self,
        tree: &Tree,
        renderer: &mut Renderer,
        theme: &Theme,
        style: &renderer::Style,
        layout: Layout<'_>,
        cursor: mouse::Cursor,
        viewport: &Rectangle,
    ) {
        self.content.as_widget().draw(
            &tree.children[0],
            renderer,
            theme,
            style,
            layout,
            cursor,
            viewport,
        );
        if tree.state.downcast_ref::<State>().focused {
            use iced::advanced::Renderer as _;
            let ring = renderer::Quad {
                bounds: layout.bounds().expand(3.0),
                border: Border {
                    color: theme.palette().text,
                    width: 2.0,
                    radius: 5.0.into(),
                },
                ..renderer::Quad::default()
            };
            renderer.fill_quad(ring, Color::TRANSPARENT);
        }
    }

    fn overlay<'b>(
        &'b mut self,
        tree: &'b mut Tree,
        layout: Layout<'b>,
        renderer: &Renderer,
        viewport: &Rectangle,
        translation: Vector,
    ) -> Option<overlay::Element<'b, Message, Theme, Renderer>> {
        self.content.as_widget_mut().overlay(
            &mut tree.children[0],
            layout,
            renderer,
            viewport,
            translation,
        )
    }
}

impl<'a, Message: 'a> From<TabStop<'a, Message>> for Element<'a, Message> {
    fn from(stop: TabStop<'a, Message>) -> Self {
        Element::new(stop)
    }
}

impl<Message> std::fmt::Debug for TabStop<'_, Message> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("TabStop")
    }
}

/// Buttons the keyboard reaches: use `crate::ui::tab_stop::button` where `iced::widget::button`
/// would be (the same builder; `button::primary` and the other styles are iced's).
pub mod button {
    pub use iced::widget::button::*;
}

/// A button (iced's), reachable with Tab once it becomes an [`Element`].
pub fn button<'a, Message: Clone + 'a>(
    content: impl Into<Element<'a, Message>>,
) -> Button<'a, Message> {
    Button(iced::widget::button(content))
}

/// iced's button builder, wrapped in a [`TabStop`] when it becomes an [`Element`].
pub struct Button<'a, Message>(iced::widget::Button<'a, Message>);

impl<'a, Message: Clone + 'a> Button<'a, Message> {
    /// The message of a click (or of Enter/Space while focused).
    #[must_use]
    pub fn on_press(self, message: Message) -> Self {
        Button(self.0.on_press(message))
    }

    /// As [`Button::on_press`]; `None` disables the button.
    #[must_use]
    pub fn on_press_maybe(self, message: Option<Message>) -> Self {
        Button(self.0.on_press_maybe(message))
    }

    /// The looks (`button::primary` and so on).
    #[must_use]
    pub fn style(
        self,
        style: impl Fn(&Theme, iced::widget::button::Status) -> iced::widget::button::Style + 'a,
    ) -> Self {
        Button(self.0.style(style))
    }

    /// The width.
    #[must_use]
    pub fn width(self, width: impl Into<Length>) -> Self {
        Button(self.0.width(width))
    }

    /// The height.
    #[must_use]
    pub fn height(self, height: impl Into<Length>) -> Self {
        Button(self.0.height(height))
    }

    /// The space around the content.
    #[must_use]
    pub fn padding(self, padding: impl Into<iced::Padding>) -> Self {
        Button(self.0.padding(padding))
    }
}

impl<'a, Message: Clone + 'a> From<Button<'a, Message>> for Element<'a, Message> {
    fn from(button: Button<'a, Message>) -> Self {
        tab_stop(button.0).into()
    }
}

impl<Message> std::fmt::Debug for Button<'_, Message> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Button")
    }
}

/// A checkbox (iced's), reachable with Tab once it becomes an [`Element`]; Space or Enter
/// toggles it.
pub fn checkbox<'a, Message: 'a>(is_checked: bool) -> Checkbox<'a, Message> {
    Checkbox(iced::widget::checkbox(is_checked))
}

/// iced's checkbox builder, wrapped in a [`TabStop`] when it becomes an [`Element`].
pub struct Checkbox<'a, Message>(iced::widget::Checkbox<'a, Message>);

impl<'a, Message: 'a> Checkbox<'a, Message> {
    /// The words beside the box.
    #[must_use]
    pub fn label(self, label: impl iced::widget::text::IntoFragment<'a>) -> Self {
        Checkbox(self.0.label(label))
    }

    /// The message of a toggle.
    #[must_use]
    pub fn on_toggle(self, f: impl Fn(bool) -> Message + 'a) -> Self {
        Checkbox(self.0.on_toggle(f))
    }

    /// The width.
    #[must_use]
    pub fn width(self, width: impl Into<Length>) -> Self {
        Checkbox(self.0.width(width))
    }
}

impl<'a, Message: 'a> From<Checkbox<'a, Message>> for Element<'a, Message> {
    fn from(checkbox: Checkbox<'a, Message>) -> Self {
        tab_stop(checkbox.0).into()
    }
}

impl<Message> std::fmt::Debug for Checkbox<'_, Message> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Checkbox")
    }
}
